using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SsdLite.Vision;

namespace SsdLite.Tools.Tests;

/// <summary>
/// detect on real video files made by the real ffmpeg from the real test photo: lossless frames give exactly the
/// detections of the same frames extracted to PNG, the annotated MP4 has the input's frame count, size and rate, bad
/// inputs get named error entries while the run goes on, and HTTP and RTMP streams served by ffmpeg on loopback are read
/// live.
/// </summary>
[Collection("training")]
public sealed class VideoDetectTests
{
    private static readonly string Weights = TestData.Oracle("trained-c7.pth");
    private static readonly string Labels = TestData.Oracle("labels-c7.txt");

    /// <summary>12 frames at 10 fps of a 160x120 window panning over the oracle photo, FFV1 (lossless).</summary>
    private static string PanningVideo(TempFolder folder, string name = "pan.mkv", string codec = "-c:v ffv1")
    {
        var path = folder[name];
        Ffmpeg($"-loop 1 -framerate 10 -i {TestData.Oracle("image.jpg")} -vf crop=160:120:x='t*120':y='t*60' -t 1.2 {codec} {path}");
        return path;
    }

    [Fact]
    public async Task LosslessVideoGivesExactlyTheDetectionsOfItsFramesExtractedToPng()
    {
        using var folder = new TempFolder("video-parity");
        var video = PanningVideo(folder);
        Directory.CreateDirectory(folder["png"]);
        Ffmpeg($"-i {video} {folder["png"]}/f%04d.png");
        var pngs = Directory.GetFiles(folder["png"]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(12, pngs.Length);

        var (code, _, error) = CommandTests.Invoke(["detect", "--weights", Weights, "--labels", Labels, "--score-threshold", "0.1", "--batch-size", "4",
            "--jsonl", folder["video.jsonl"], video]);
        Assert.True(code == 0, error);
        (code, _, error) = CommandTests.Invoke(["detect", "--weights", Weights, "--labels", Labels, "--score-threshold", "0.1", "--batch-size", "4",
            "--jsonl", folder["png.jsonl"], .. pngs]);
        Assert.True(code == 0, error);
        var frames = Lines(folder["video.jsonl"]);
        var images = Lines(folder["png.jsonl"]);
        Assert.Equal(12, frames.Count);
        var total = 0;
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(video, frames[i].GetProperty("image").GetString());
            Assert.Equal(i, frames[i].GetProperty("frame").GetInt32());
            Assert.Equal(i / 10.0, frames[i].GetProperty("time").GetDouble(), 6);
            Assert.Equal(160, frames[i].GetProperty("width").GetInt32());
            Assert.Equal(120, frames[i].GetProperty("height").GetInt32());
            // Bit for bit: the same labels, scores and boxes as JSON text.
            Assert.Equal(images[i].GetProperty("detections").GetRawText(), frames[i].GetProperty("detections").GetRawText());
            total += frames[i].GetProperty("detections").GetArrayLength();
        }
        Assert.True(total > 20, $"only {total} detections to compare");

        // The pixels themselves: frame 5 as the pipeline decodes it equals ffmpeg's PNG of it.
        var png = ImageIO.Read(pngs[5]);
        Image? frame5 = null;
        var read = await Video.VideoReader.ReadAsync(video, new Video.VideoReadOptions(), (_, f) =>
        {
            if (f.Index == 5) frame5 = f.Image;
            return ValueTask.FromResult(true);
        });
        Assert.Null(read.Error);
        Assert.Equal(12, read.Frames);
        Assert.Equal(png.ToRgb(), frame5!.ToRgb());

        // --vid-stride 3 and --max-frames 3: frames 0, 3, 6 with their times.
        (code, _, error) = CommandTests.Invoke(["detect", "--weights", Weights, "--labels", Labels, "--score-threshold", "0.1", "--vid-stride", "3",
            "--max-frames", "3", "--jsonl", folder["stride.jsonl"], video]);
        Assert.True(code == 0, error);
        var strided = Lines(folder["stride.jsonl"]);
        Assert.Equal([0, 3, 6], strided.Select(e => e.GetProperty("frame").GetInt32()));
        Assert.Equal([0.0, 0.3, 0.6], strided.Select(e => Math.Round(e.GetProperty("time").GetDouble(), 6)));
        Assert.Equal(images[6].GetProperty("detections").GetRawText(), strided[2].GetProperty("detections").GetRawText());
    }

    [Fact]
    public void AnnotatedMp4HasTheInputsFramesSizeAndRateWithBoxesDrawnAndTrackIdsAreDeterministic()
    {
        using var folder = new TempFolder("video-out");
        var video = PanningVideo(folder, "pan.mp4", "-c:v libx264rgb -qp 0");
        string[] args = ["detect", "--weights", Weights, "--labels", Labels, "--score-threshold", "0.1", "--top-k", "3", "--track", "--track-thresh", "0.12", "--new-track-thresh", "0.14"];
        var (code, output, error) = CommandTests.Invoke([.. args, "--out", folder["out"], "--jsonl", folder["a.jsonl"], video]);
        Assert.True(code == 0, error);
        Assert.Contains("tracks, mean length", output + error);
        (code, _, error) = CommandTests.Invoke([.. args, "--jsonl", folder["b.jsonl"], video]);
        Assert.True(code == 0, error);
        var a = Lines(folder["a.jsonl"]);
        var b = Lines(folder["b.jsonl"]);
        Assert.Equal(a.Select(e => e.GetRawText()), b.Select(e => e.GetRawText()));
        var ids = a.SelectMany(e => e.GetProperty("detections").EnumerateArray())
            .Select(d => d.GetProperty("track_id")).Where(t => t.ValueKind == JsonValueKind.Number).Select(t => t.GetInt32()).ToList();
        Assert.NotEmpty(ids);
        // Unique within a frame.
        foreach (var e in a)
        {
            var inFrame = e.GetProperty("detections").EnumerateArray().Select(d => d.GetProperty("track_id"))
                .Where(t => t.ValueKind == JsonValueKind.Number).Select(t => t.GetInt32()).ToList();
            Assert.Equal(inFrame.Count, inFrame.Distinct().Count());
        }

        var mp4 = folder["out/pan.mp4"];
        Assert.True(File.Exists(mp4));
        var probe = Run("ffprobe", $"-v error -count_frames -select_streams v:0 -show_entries stream=codec_name,width,height,r_frame_rate,nb_read_frames -of csv=p=0 {mp4}");
        Assert.Equal("h264,160,120,10/1,12", probe.Trim());

        // Drawn pixels: along the top edge of frame 0's first tracked box the output differs strongly from the input;
        // away from the boxes it is the input up to H.264's loss.
        Directory.CreateDirectory(folder["cmp"]);
        Ffmpeg($"-i {mp4} -frames:v 1 {folder["cmp"]}/out.png");
        Ffmpeg($"-i {video} -frames:v 1 {folder["cmp"]}/in.png");
        var drawn = ImageIO.Read(folder["cmp/out.png"]);
        var plain = ImageIO.Read(folder["cmp/in.png"]);
        var box = a[0].GetProperty("detections").EnumerateArray().First(d => d.GetProperty("track_id").ValueKind == JsonValueKind.Number).GetProperty("box");
        int x0 = (int)Math.Round(box[0].GetDouble()), y0 = (int)Math.Round(box[1].GetDouble()), x1 = (int)Math.Round(box[2].GetDouble());
        var yEdge = Math.Clamp(y0, 0, 119);
        double edge = 0;
        var n = 0;
        for (var x = Math.Max(x0 + 2, 0); x < Math.Min(x1 - 2, 160); x++, n++) edge += Diff(drawn, plain, x, yEdge);
        Assert.True(n > 5 && edge / n > 30, $"mean difference {edge / Math.Max(n, 1):F1} on the box edge");
        double all = 0;
        for (var y = 0; y < 120; y++)
        {
            for (var x = 0; x < 160; x++) all += Diff(drawn, plain, x, y);
        }
        Assert.True(all / (160 * 120) < 40, $"mean difference {all / (160 * 120):F1} over the frame");
    }

    [Fact]
    public void BadVideosGetNamedErrorsKeepTheFramesBeforeAndTheRunGoesOn()
    {
        using var folder = new TempFolder("video-bad");
        var good = folder["good.mkv"];
        Ffmpeg($"-f lavfi -i testsrc2=size=96x64:rate=10 -t 3 -c:v ffv1 -level 3 -slicecrc 1 {good}");
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(folder["trunc.mkv"], bytes[..(bytes.Length / 2)]);
        var corrupt = (byte[])bytes.Clone();
        for (var i = bytes.Length / 2; i < (bytes.Length / 2) + 400; i++) corrupt[i] ^= 0x5A;
        File.WriteAllBytes(folder["corrupt.mkv"], corrupt);
        File.WriteAllText(folder["fake.mp4"], string.Concat(Enumerable.Repeat("not a video at all\n", 10)));
        var url = $"http://127.0.0.1:{FreePort()}/none.ts";
        var photo = TestData.Oracle("image.jpg");

        var (code, _, error) = CommandTests.Invoke(["detect", "--weights", Weights, "--labels", Labels, "--jsonl", folder["o.jsonl"],
            folder["trunc.mkv"], folder["corrupt.mkv"], folder["fake.mp4"], url, photo, good]);
        Assert.True(code == 0, error);
        var entries = Lines(folder["o.jsonl"]);
        string? ErrorOf(string input) => entries.Where(e => e.GetProperty("image").GetString() == input && e.TryGetProperty("error", out _))
            .Select(e => e.GetProperty("error").GetString()).SingleOrDefault();
        int FramesOf(string input) => entries.Count(e => e.GetProperty("image").GetString() == input && e.TryGetProperty("frame", out _));

        Assert.StartsWith("truncated video after frame", ErrorOf(folder["trunc.mkv"]));
        Assert.StartsWith("decode error after frame", ErrorOf(folder["corrupt.mkv"]));
        Assert.StartsWith("not a video", ErrorOf(folder["fake.mp4"]));
        Assert.StartsWith("cannot open stream", ErrorOf(url));
        // Frames before the damage are kept: the first half of the file holds about 15 of the 30 frames.
        Assert.InRange(FramesOf(folder["trunc.mkv"]), 10, 16);
        Assert.InRange(FramesOf(folder["corrupt.mkv"]), 10, 30);
        // The frames before the corruption are those of the intact file, detections included.
        var intact = entries.Where(e => e.GetProperty("image").GetString() == good).ToList();
        Assert.Equal(30, intact.Count);
        var damaged = entries.Where(e => e.GetProperty("image").GetString() == folder["corrupt.mkv"] && e.TryGetProperty("frame", out _)).ToList();
        for (var i = 0; i < 10; i++) Assert.Equal(intact[i].GetRawText().Replace("good.mkv", "corrupt.mkv"), damaged[i].GetRawText());
        // The run went on: the photo and the intact video after the failures were detected.
        Assert.Single(entries, e => e.GetProperty("image").GetString() == photo && e.TryGetProperty("detections", out _));
        Assert.Null(ErrorOf(good));
    }

    // ffmpeg is its own server for both (-listen 1): HTTP carrying MPEG-TS, and RTMP carrying FLV. RTSP needs a server
    // ffmpeg does not provide (its listen mode only takes a publisher), and a camera is not there to test.
    [Theory]
    [InlineData("http://127.0.0.1:{0}/live.ts", "mpegts")]
    [InlineData("rtmp://127.0.0.1:{0}/live/stream", "flv")]
    public void AStreamServedByFfmpegOnLoopbackIsReadLive(string address, string container)
    {
        using var folder = new TempFolder("video-live");
        var port = FreePort();
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, address, port);
        // ffmpeg serves 6 s of a test pattern at its real rate (-re) to the first client that connects.
        using var server = Start("ffmpeg", $"-v error -re -f lavfi -i testsrc2=size=128x96:rate=10 -t 6 -c:v libx264 -preset ultrafast -g 10 -f {container} -listen 1 {url}");
        WaitForListener(port, TimeSpan.FromSeconds(15));
        var clock = Stopwatch.StartNew();
        var (code, _, error) = CommandTests.Invoke(["detect", "--weights", Weights, "--labels", Labels, "--realtime", "--max-frames", "15",
            "--jsonl", folder["live.jsonl"], url]);
        Assert.True(code == 0, error);
        var entries = Lines(folder["live.jsonl"]);
        // ffmpeg stops after 15 frames; those the network could not keep up with were dropped, and counted.
        var dropped = System.Text.RegularExpressions.Regex.Match(error, @"(\d+) dropped") is { Success: true } m ? int.Parse(m.Groups[1].Value) : 0;
        Assert.Equal(15, entries.Count + dropped);
        Assert.True(entries.Count >= 2, error);
        Assert.All(entries, e => Assert.Equal(128, e.GetProperty("width").GetInt32()));
        // Live: 15 frames at 10 fps take about 1.5 s of the stream's own clock to arrive.
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), $"read in {clock.Elapsed}");
        var times = entries.Select(e => e.GetProperty("time").GetDouble()).ToList();
        Assert.Equal(times.Order(), times);
        if (!server.HasExited) server.Kill();
    }

    [Fact]
    public void WithoutFfmpegAVideoInputStopsNamingThePackageWhileImagesNeedNone()
    {
        using var folder = new TempFolder("video-no-ffmpeg");
        var clip = folder["clip.mkv"];
        Ffmpeg($"-f lavfi -i testsrc2=size=64x48:rate=5 -t 1 -c:v ffv1 {clip}");
        var photo = TestData.Oracle("image.jpg");
        // A PATH with no ffmpeg on it (an empty folder), and no SSDLITE_FFMPEG_DIR: the console in a child process, as
        // the program looks ffmpeg up once per process.
        Directory.CreateDirectory(folder["empty"]);
        string[] weights = ["detect", "--weights", Weights, "--labels", Labels, "--score-threshold", "0.1"];
        var video = RunConsoleWithPath(folder["empty"], [.. weights, "--json", folder["v.json"], clip, photo]);
        Assert.NotEqual(0, video.Code);
        Assert.Contains("ffmpeg not found", video.Error, StringComparison.Ordinal);
        Assert.Contains("apt-get install ffmpeg", video.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["v.json"]), "no output when the run stops before it starts");
        var image = RunConsoleWithPath(folder["empty"], [.. weights, "--json", folder["i.json"], photo]);
        Assert.True(image.Code == 0, image.Error);
        using var doc = JsonDocument.Parse(File.ReadAllText(folder["i.json"]));
        Assert.True(doc.RootElement[0].GetProperty("detections").GetArrayLength() > 0, "the photo is detected without ffmpeg");
    }

    private static (int Code, string Error) RunConsoleWithPath(string path, string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ssdlite.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PATH"] = path;
        start.Environment.Remove("SSDLITE_FFMPEG_DIR");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "the console did not finish in 120 s");
        return (process.ExitCode, output.Result + error.Result);
    }

    private static double Diff(Image a, Image b, int x, int y)
    {
        var p = a[x, y];
        var q = b[x, y];
        return (Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B)) / 3.0;
    }

    private static List<JsonElement> Lines(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static void Ffmpeg(string args) => Run("ffmpeg", "-v error -y " + args);

    private static string Run(string program, string args)
    {
        using var p = Start(program, args);
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) p.Kill();
        Assert.True(p.ExitCode == 0, $"{program} {args}: {error.Result}");
        return output.Result;
    }

    private static Process Start(string program, string args)
    {
        var info = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        return Process.Start(info)!;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Waits until something listens on the port, without connecting (a connection would be ffmpeg's one client).</summary>
    private static void WaitForListener(int port, TimeSpan timeout)
    {
        var hex = port.ToString("X4");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            // /proc/net/tcp: local address 0100007F:PORT in state 0A (LISTEN).
            if (File.ReadLines("/proc/net/tcp").Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var f && f[1].EndsWith(":" + hex) && f[3] == "0A"))
                return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"nothing listens on port {port}");
    }
}
