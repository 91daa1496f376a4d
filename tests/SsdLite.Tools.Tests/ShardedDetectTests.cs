using System.Text.Json;
using SsdLite.Tools.Detect;

namespace SsdLite.Tools.Tests;

/// <summary>
/// detect --shard over a folder of good and unreadable images, through the real command line on the reference's trained
/// detector: the shards are disjoint, cover every input once whatever their batch sizes, and merge-detections joins
/// them into the unsharded run's files byte for byte.
/// </summary>
[Collection("training")]
public sealed class ShardedDetectTests
{
    private static readonly string[] Model =
    [
        "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"),
        "--score-threshold", "0.1", "--top-k", "10",
    ];

    private static (int Code, string Out, string Error) Invoke(params string[] args) => CommandTests.Invoke(args);

    /// <summary>Six readable images (five synthetic scenes and the oracle's), then three unreadable ones that sort last, so one shard holds only bad images.</summary>
    private static string MixedFolder(TempFolder folder)
    {
        var data = TestData.Tiny(folder, images: 5, side: 120, seed: 9);
        var mixed = folder["mixed"];
        Directory.CreateDirectory(mixed);
        foreach (var file in Directory.GetFiles(Path.Combine(data, "JPEGImages"))) File.Copy(file, Path.Combine(mixed, Path.GetFileName(file)));
        File.Copy(TestData.Oracle("image.jpg"), Path.Combine(mixed, "image.jpg"));
        var jpeg = File.ReadAllBytes(Path.Combine(mixed, "000001.jpg"));
        File.WriteAllBytes(Path.Combine(mixed, "x-truncated.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllText(Path.Combine(mixed, "y-notes.jpg"), "a text file with an image's name\n");
        File.WriteAllBytes(Path.Combine(mixed, "z-empty.png"), []);
        return mixed;
    }

    private static List<string> Images(string json)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        return doc.RootElement.EnumerateArray().Select(e => e.GetProperty("image").GetString()!).ToList();
    }

    [Fact]
    public void ThreeShardsAreADisjointCoverThatMergesIntoTheUnshardedRunsFiles()
    {
        using var folder = new TempFolder("detect-shards");
        var mixed = MixedFolder(folder);
        // Batch size 1: a batch's composition changes libtorch's sums in the last digits (DetectPipelineTests), and a shard
        // starts its own batches, so only image-by-image runs can be byte-equal; the worker count may differ.
        var (code, _, error) = Invoke(["detect", .. Model, "--batch-size", "1", "--json", folder["all.json"], "--jsonl", folder["all.jsonl"], mixed]);
        Assert.True(code == 0, error);
        var all = Images(folder["all.json"]);
        Assert.Equal(9, all.Count);

        var shardFiles = new List<string>();
        var shardLines = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (c, stdout, e) = Invoke(["detect", .. Model, "--batch-size", "1", "--workers", (i + 1).ToString(),
                "--shard", $"{i}/3", "--json", folder["out/det.json"], "--jsonl", folder["out/det.jsonl"], mixed]);
            // The last shard holds only the three unreadable files, which fails no worker: the merge judges the run.
            Assert.True(c == 0, e);
            Assert.Contains($"detect: shard {i}/3 takes inputs", stdout);
            shardFiles.Add(folder[$"out/det-0000{i}-of-00003.json"]);
            shardLines.Add(folder[$"out/det-0000{i}-of-00003.jsonl"]);
        }

        // The split does not depend on the batch size: shards batched by 3 and by 8 take the same images.
        foreach (var batch in new[] { "3", "8" })
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(0, Invoke(["detect", .. Model, "--batch-size", batch, "--shard", $"{i}/3", "--json", folder[$"b{batch}/det.json"], mixed]).Code);
                Assert.Equal(Images(shardFiles[i]), Images(folder[$"b{batch}/det-0000{i}-of-00003.json"]));
            }
        }

        // Blocks of 9 over 3: three images each, in the unsharded order, each image in exactly one.
        var parts = shardFiles.Select(Images).ToList();
        Assert.Equal([3, 3, 3], parts.Select(p => p.Count));
        Assert.Equal(all, parts.SelectMany(p => p));
        Assert.Equal(all.Count, parts.SelectMany(p => p).Distinct().Count());
        Assert.All(Images(shardFiles[2]), image => Assert.Contains(Path.GetFileName(image)[0], "xyz"));

        // Given in any order, the shards merge into the very bytes of the unsharded run.
        var (m, mergeOut, mergeError) = Invoke(["merge-detections", folder["merged.json"], shardFiles[2], shardFiles[0], shardFiles[1]]);
        Assert.True(m == 0, mergeError);
        Assert.Contains("3 shards, 9 entries, 3 failed", mergeOut);
        Assert.Equal(File.ReadAllBytes(folder["all.json"]), File.ReadAllBytes(folder["merged.json"]));
        Assert.Equal(0, Invoke(["merge-detections", folder["merged.jsonl"], .. shardLines]).Code);
        Assert.Equal(File.ReadAllBytes(folder["all.jsonl"]), File.ReadAllBytes(folder["merged.jsonl"]));

        // An incomplete or overlapping set is refused with the reason.
        var (missing, _, missingError) = Invoke(["merge-detections", folder["bad.json"], shardFiles[0], shardFiles[2]]);
        Assert.Equal(1, missing);
        Assert.Contains("1 of 3 shards missing (indexes 1)", missingError);
        File.Copy(shardFiles[0], folder["out/other-00001-of-00003.json"]);
        var (overlap, _, overlapError) = Invoke(["merge-detections", folder["bad.json"], shardFiles[0], folder["out/other-00001-of-00003.json"], shardFiles[2]]);
        Assert.Equal(1, overlap);
        Assert.Contains("the shards overlap", overlapError);
        Assert.False(File.Exists(folder["bad.json"]));
    }

    [Fact]
    public void AutoReadsTheIndexedJobsVariablesAndMoreShardsThanImagesLeaveSomeEmpty()
    {
        using var folder = new TempFolder("detect-shards-auto");
        var mixed = MixedFolder(folder);
        var saved = (Environment.GetEnvironmentVariable(DetectShard.IndexVariable), Environment.GetEnvironmentVariable(DetectShard.CountVariable));
        try
        {
            Environment.SetEnvironmentVariable(DetectShard.IndexVariable, "11");
            Environment.SetEnvironmentVariable(DetectShard.CountVariable, "12");
            var (code, stdout, error) = Invoke(["detect", .. Model, "--shard", "auto", "--json", folder["d.json"], mixed]);
            Assert.True(code == 0, error);
            Assert.Contains("detect: shard 11/12 takes inputs 9..9 of 9", stdout);
            Assert.Equal([Path.Combine(mixed, "z-empty.png")], Images(folder["d-00011-of-00012.json"]));

            // auto/COUNT overrides the count variable; index 0 of 12 shards gets none of the 9 images.
            Environment.SetEnvironmentVariable(DetectShard.IndexVariable, "0");
            (code, stdout, error) = Invoke(["detect", .. Model, "--shard", "auto/12", "--json", folder["d.json"], mixed]);
            Assert.True(code == 0, error);
            Assert.Contains("takes none of the 9 inputs", stdout);
            Assert.Empty(Images(folder["d-00000-of-00012.json"]));

            Environment.SetEnvironmentVariable(DetectShard.IndexVariable, null);
            (code, _, error) = Invoke(["detect", .. Model, "--shard", "auto", "--json", folder["d.json"], mixed]);
            Assert.Equal(1, code);
            Assert.Contains("JOB_COMPLETION_INDEX", error);
            (code, _, error) = Invoke(["detect", .. Model, "--shard", "3/3", "--json", folder["d.json"], mixed]);
            Assert.Equal(1, code);
            Assert.Contains("index 3 is not below the count 3", error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DetectShard.IndexVariable, saved.Item1);
            Environment.SetEnvironmentVariable(DetectShard.CountVariable, saved.Item2);
        }
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(7, 7)]
    [InlineData(5, 8)]
    [InlineData(1000, 13)]
    public void BlocksPartitionTheListForAnyCount(int total, int count)
    {
        var items = Enumerable.Range(0, total).ToList();
        var blocks = Enumerable.Range(0, count).Select(i => new DetectShard(i, count).Take(items)).ToList();
        Assert.Equal(items, blocks.SelectMany(b => b));
        // Balanced: sizes differ by at most one (floor(i*n/N) boundaries).
        Assert.True(blocks.Max(b => b.Count) - blocks.Min(b => b.Count) <= 1);
        Assert.True(DetectShard.TryParseFileName(new DetectShard(count - 1, count).FileName("/o/det.json"), out var parsed, out var name));
        Assert.Equal((count - 1, count, "/o/det.json"), (parsed.Index, parsed.Count, name));
    }
}
