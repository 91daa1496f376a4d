using System.Diagnostics;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Vision;

namespace SsdLite.Tools.Tests;

/// <summary>
/// detect over many images through the real command line, on the trained reference detector: unreadable files cost
/// one entry each, results do not depend on the worker count, and a killed --jsonl run keeps whole lines only.
/// </summary>
[Collection("training")]
public sealed class DetectAtScaleTests
{
    // The reference's own settings for detections-trained.json.
    private static readonly string[] Model =
    [
        "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"),
        "--score-threshold", "0.1", "--top-k", "10",
    ];

    private static (int Code, string Out, string Error) Invoke(string? input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (savedOut, savedError, savedIn) = (Console.Out, Console.Error, Console.In);
        Console.SetOut(output);
        Console.SetError(error);
        if (input is not null) Console.SetIn(new StringReader(input));
        try
        {
            return (Program.BuildRoot().Parse(args).Invoke(), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
            Console.SetIn(savedIn);
        }
    }

    private static (int Code, string Out, string Error) Detect(params string[] args) => Invoke(null, [.. "detect".Split(' '), .. Model, .. args]);

    /// <summary>Seven readable images (six synthetic scenes and the oracle's) and one unreadable file of each kind.</summary>
    private static (string Folder, List<string> Good, Dictionary<string, string> Bad) MixedFolder(TempFolder folder)
    {
        var data = TestData.Tiny(folder, images: 6, side: 120, seed: 9);
        var mixed = folder["mixed"];
        Directory.CreateDirectory(mixed);
        var good = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(data, "JPEGImages")).Order(StringComparer.Ordinal))
        {
            good.Add(Path.Combine(mixed, Path.GetFileName(file)));
            File.Copy(file, good[^1]);
        }
        good.Add(Path.Combine(mixed, "image.jpg"));
        File.Copy(TestData.Oracle("image.jpg"), good[^1]);

        var jpeg = File.ReadAllBytes(good[0]);
        File.WriteAllBytes(Path.Combine(mixed, "truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        var noise = new byte[4000];
        new Random(4).NextBytes(noise);
        noise[0] = 0; // no format's signature starts with a zero byte
        File.WriteAllBytes(Path.Combine(mixed, "corrupt.jpg"), noise);
        File.WriteAllText(Path.Combine(mixed, "notes.jpg"), "a text file with an image's name\n");
        // A little-endian TIFF header: a real format, but not one SkiaSharp decodes.
        File.WriteAllBytes(Path.Combine(mixed, "scan.tif"), [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
        File.WriteAllText(Path.Combine(mixed, "readme.txt"), "not an image by its extension: skipped in a folder\n");
        var bad = new Dictionary<string, string>
        {
            [Path.Combine(mixed, "truncated.jpg")] = "truncated JPEG",
            [Path.Combine(mixed, "corrupt.jpg")] = "not a recognised image format",
            [Path.Combine(mixed, "notes.jpg")] = "not a recognised image format",
            [Path.Combine(mixed, "scan.tif")] = "a TIFF file, a format SkiaSharp does not decode",
            [folder["nowhere.jpg"]] = "no such file",
        };
        return (mixed, good, bad);
    }

    private static List<JsonElement> Entries(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>An entry as compact JSON text: equal texts mean equal images, sizes, labels, scores and boxes.</summary>
    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);

    [Fact]
    public void UnreadableImagesGetTheirNamedErrorWhileTheOthersGetTheDetectionsOfARunWithoutThem()
    {
        using var folder = new TempFolder("detect-mixed");
        var (mixed, good, bad) = MixedFolder(folder);
        var missing = bad.Keys.Last();

        var (code, stdout, error) = Detect("--batch-size", "3", "--workers", "2", "--json", folder["all.json"], "--jsonl", folder["all.jsonl"],
            mixed, missing);
        Assert.True(code == 0, error);
        Assert.Contains("detect: 12 images, 5 failed; skipped 1 non-image file", stdout);
        var all = Entries(folder["all.json"]);
        // Folder order (sorted), then the missing path: corrupt.jpg falls between readable images, so batches form across it.
        var order = good.Take(6).Concat([Path.Combine(mixed, "corrupt.jpg"), good[6], Path.Combine(mixed, "notes.jpg"),
            Path.Combine(mixed, "scan.tif"), Path.Combine(mixed, "truncated.jpg"), missing]).ToList();
        Assert.Equal(order, all.Select(e => e.GetProperty("image").GetString()));

        foreach (var (path, problem) in bad)
        {
            var entry = all.Single(e => e.GetProperty("image").GetString() == path);
            Assert.Equal(["error", "image"], entry.EnumerateObject().Select(p => p.Name).Order());
            var message = entry.GetProperty("error").GetString()!;
            Assert.Contains(path, message);
            Assert.Contains(problem, message);
            Assert.Contains($"{path}: error: {message}", stdout);
        }

        // The stream holds the same entries, line by line, as the list written at the end.
        var lines = File.ReadAllLines(folder["all.jsonl"]);
        Assert.Equal(all.Select(Compact), lines.Select(l => Compact(JsonDocument.Parse(l).RootElement)));

        // The readable images alone, named on standard input: the very same entries.
        var (goodCode, _, goodError) = Invoke(string.Join('\n', good) + "\n",
            ["detect", .. Model, "--batch-size", "3", "--workers", "2", "--json", folder["good.json"], "-"]);
        Assert.True(goodCode == 0, goodError);
        var alone = Entries(folder["good.json"]);
        Assert.Equal(alone.Select(Compact), all.Where(e => !e.TryGetProperty("error", out _)).Select(Compact));
        AssertOracleDetections(all[7]);

        // One unreadable image is not the run's end; all of them are.
        var (allBad, _, allBadError) = Detect(["--json", folder["bad.json"], .. bad.Keys]);
        Assert.Equal(1, allBad);
        Assert.Contains("none of the 5 images could be read", allBadError);
        Assert.Equal(5, Entries(folder["bad.json"]).Count);
    }

    [Fact]
    public void StrictStopsAtTheFirstUnreadableImageAfterEmittingTheImagesBeforeIt()
    {
        using var folder = new TempFolder("detect-strict");
        var (mixed, good, _) = MixedFolder(folder);
        var (code, _, error) = Detect("--strict", "--batch-size", "4", "--json", folder["strict.json"], "--jsonl", folder["strict.jsonl"], mixed);
        Assert.Equal(1, code);
        var corrupt = Path.Combine(mixed, "corrupt.jpg");
        Assert.Contains($"ssdlite detect: error: cannot read image '{corrupt}'", error);
        Assert.False(File.Exists(folder["strict.json"]), "a strict run that failed wrote its --json list");
        var lines = File.ReadAllLines(folder["strict.jsonl"]);
        Assert.Equal(good.Take(6), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("image").GetString()));
    }

    [Fact]
    public void ResultsAndDrawingsAreTheSameForOneTwoAndFourWorkers()
    {
        using var folder = new TempFolder("detect-workers");
        var (mixed, good, _) = MixedFolder(folder);
        var texts = new List<string>();
        foreach (var workers in new[] { 1, 2, 4 })
        {
            var json = folder[$"w{workers}.json"];
            var (code, _, error) = Detect("--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch-size", "2",
                "--out", folder[$"drawn{workers}"], "--json", json, mixed);
            Assert.True(code == 0, error);
            texts.Add(File.ReadAllText(json));
        }
        Assert.Equal(texts[0], texts[1]);
        Assert.Equal(texts[0], texts[2]);
        var entries = Entries(folder["w1.json"]);
        AssertOracleDetections(entries.Single(e => e.GetProperty("image").GetString() == good[6]));

        // Every readable image drawn, nothing else; each drawing is what DetectRunner.Draw makes of its entry.
        foreach (var workers in new[] { 1, 4 })
        {
            Assert.Equal(good.Select(Path.GetFileName).Order(), Directory.GetFiles(folder[$"drawn{workers}"]).Select(Path.GetFileName).Order());
        }
        foreach (var entry in entries.Where(e => !e.TryGetProperty("error", out _)))
        {
            var path = entry.GetProperty("image").GetString()!;
            var expected = ImageIO.Encode(DetectRunner.Draw(ImageIO.Read(path), Detections(entry)), ".jpg");
            Assert.Equal(expected, File.ReadAllBytes(Path.Combine(folder["drawn4"], Path.GetFileName(path))));
        }
    }

    /// <summary>
    /// Kills a detect child process (SIGKILL) while it streams --jsonl: what it wrote is whole lines of valid JSON,
    /// in input order, each equal to the same line of a complete run.
    /// </summary>
    [Fact]
    public void KilledJsonlRunLeavesWholeLinesThatACompleteRunRepeats()
    {
        using var folder = new TempFolder("detect-kill");
        var data = TestData.Tiny(folder, images: 120, side: 64, seed: 12);
        var images = Path.Combine(data, "JPEGImages");
        var jsonl = folder["killed.jsonl"];
        string[] args = ["detect", .. Model, "--batch-size", "2", "--workers", "2", "--jsonl", jsonl, images];
        var dll = Path.Combine(AppContext.BaseDirectory, "ssdlite.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        using (var child = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet"))
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (LineCount(jsonl) < 5)
            {
                Assert.False(child.HasExited, $"detect exited early with code {(child.HasExited ? child.ExitCode : 0)}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), "no --jsonl lines within two minutes");
                Thread.Sleep(20);
            }
            Assert.False(child.HasExited, "detect finished before it could be killed");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        var written = File.ReadAllText(jsonl);
        Assert.EndsWith("\n", written, StringComparison.Ordinal);
        var killed = written.Split('\n')[..^1];
        Assert.InRange(killed.Length, 5, 119);
        var (code, _, error) = Invoke(null, [.. args[..^2], jsonl + ".full", images]);
        Assert.True(code == 0, error);
        var full = File.ReadAllLines(jsonl + ".full");
        Assert.Equal(120, full.Length);
        for (var i = 0; i < killed.Length; i++)
        {
            using var line = JsonDocument.Parse(killed[i]);
            Assert.Equal(Path.Combine(images, $"{i + 1:D6}.jpg"), line.RootElement.GetProperty("image").GetString());
            Assert.Equal(full[i], killed[i]);
        }
    }

    [Fact]
    public void PathsExpandFoldersRecursiveFoldersGlobsAndStandardInput()
    {
        using var folder = new TempFolder("detect-paths");
        var root = folder["root"];
        foreach (var f in new[] { "a.jpg", "b.png", "notes.txt", "sub/c.jpg", "sub/deeper/d.jpg", "sub/deeper/e.txt" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, f))!);
            File.WriteAllText(Path.Combine(root, f), "");
        }
        string P(string relative) => Path.Combine(root, relative);

        var flat = DetectPaths.Expand([root]);
        Assert.Equal([P("a.jpg"), P("b.png")], flat.Files);
        Assert.Equal(1, flat.Skipped);

        var deep = DetectPaths.Expand([root], recursive: true);
        Assert.Equal([P("a.jpg"), P("b.png"), P("sub/c.jpg"), P("sub/deeper/d.jpg")], deep.Files);
        Assert.Equal(2, deep.Skipped);

        Assert.Equal([P("a.jpg"), P("sub/c.jpg"), P("sub/deeper/d.jpg")], DetectPaths.Expand([root + "/**/*.jpg"]).Files);
        Assert.Equal([P("sub/c.jpg")], DetectPaths.Expand([root + "/sub/*"]).Files);
        Assert.Equal([P("a.jpg")], DetectPaths.Expand([root + "/?.jpg"]).Files);
        var everything = DetectPaths.Expand([root + "/**"]);
        Assert.Equal(4, everything.Files.Count);
        Assert.Equal(2, everything.Skipped);

        var none = DetectPaths.Expand([root + "/??.jpg", root + "/nowhere/*.jpg"]);
        Assert.Empty(none.Files);
        Assert.Equal([root + "/??.jpg", root + "/nowhere/*.jpg"], none.Empty);

        // Named files are attempted whatever their extension, and missing ones too (their entry says why).
        Assert.Equal([P("notes.txt"), P("gone.jpg")], DetectPaths.Expand([P("notes.txt"), P("gone.jpg")]).Files);
        var stdin = new StringReader($"{P("a.jpg")}\n\n  {P("sub/c.jpg")}  \n{root}/sub/deeper/*.jpg\n");
        Assert.Equal([P("b.png"), P("a.jpg"), P("sub/c.jpg"), P("sub/deeper/d.jpg")], DetectPaths.Expand([P("b.png"), "-"], standardInput: stdin).Files);
    }

    private static IReadOnlyList<DetectedObject> Detections(JsonElement entry) =>
        entry.GetProperty("detections").EnumerateArray().Select(d =>
        {
            var b = d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            return new DetectedObject(d.GetProperty("class_id").GetInt32(), d.GetProperty("label").GetString(), d.GetProperty("score").GetSingle(),
                new BoxF(b[0], b[1], b[2], b[3]));
        }).ToList();

    /// <summary>The oracle image's entry against the reference's own detections (its boxes clamped to the image, as detect clamps).</summary>
    private static void AssertOracleDetections(JsonElement entry)
    {
        Assert.Equal("image.jpg", Path.GetFileName(entry.GetProperty("image").GetString()));
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Oracle("detections-trained.json")));
        var reference = doc.RootElement.GetProperty("images")[0];
        var (width, height) = (reference.GetProperty("width").GetInt32(), reference.GetProperty("height").GetInt32());
        Assert.Equal(width, entry.GetProperty("width").GetInt32());
        Assert.Equal(height, entry.GetProperty("height").GetInt32());
        var expected = Detections(reference).OrderByDescending(d => d.Score).ToList();
        var found = Detections(entry);
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected.Count, found.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, found[i].Label);
            Assert.True(Math.Abs(expected[i].Score - found[i].Score) <= 1e-5, $"detection {i}: score {found[i].Score} vs {expected[i].Score}");
            var e = expected[i].Box;
            float[] clamped = [Math.Clamp(e.XMin, 0, width), Math.Clamp(e.YMin, 0, height), Math.Clamp(e.XMax, 0, width), Math.Clamp(e.YMax, 0, height)];
            float[] actual = [found[i].Box.XMin, found[i].Box.YMin, found[i].Box.XMax, found[i].Box.YMax];
            for (var k = 0; k < 4; k++) Assert.True(Math.Abs(clamped[k] - actual[k]) <= 0.05, $"detection {i} coordinate {k}: {actual[k]} vs {clamped[k]}");
        }
    }

    private static int LineCount(string path)
    {
        if (!File.Exists(path)) return 0;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var count = 0;
        for (var b = stream.ReadByte(); b >= 0; b = stream.ReadByte()) count += b == '\n' ? 1 : 0;
        return count;
    }
}
