using System.Text.Json.Nodes;
using SsdLite.Tools.Bench;

namespace SsdLite.Tools.Tests;

/// <summary>
/// bench --part nms runs end to end on a tiny network: for every threshold and batch size, the plain model with
/// SsdLite's post-processing and the NMS export of the same weights, each row's per-round parts adding up, the ratios
/// within what the rows allow, the graph's detections the post-processing's cut to K, and the rows in the JSON report.
/// No timing is asserted.
/// </summary>
[Collection("training")]
public sealed class NmsBenchTests
{
    [Fact]
    public void NmsPartTimesBothPostProcessingsAndReportsTheirRatios()
    {
        using var temp = new TempFolder("nms-bench");
        var json = temp["bench.json"];
        var settings = TestData.TinyBench(BenchParts.Nms) with
        {
            InferenceBatchSizes = [1, 2],
            NmsScoreThresholds = [0.4f, 0.01f],
            Threads = 1,
            JsonPath = json,
        };
        using var output = new StringWriter();
        Assert.Equal(0, BenchCommand.Run(settings, output));
        var rows = JsonNode.Parse(File.ReadAllText(json))!["results"]!.AsArray().Select(r => r!).ToList();
        Assert.Equal(2 * 2 * 11, rows.Count);
        Assert.All(rows, r => Assert.Equal("nms", r["part"]!.GetValue<string>()));
        foreach (var threshold in new[] { "0.4", "0.01" })
        {
            foreach (var batch in new[] { 1, 2 })
                CheckCase(rows, $"batch {batch}, score > {threshold}", batch);
        }
        // At 0.01 every prior of a 3-class random model passes the threshold, so post-processing has work to do.
        Assert.True(Find(rows, "batch 1, score > 0.01, detections per image, SsdLite post-processing").Median > 0);
        Assert.Contains("nms_score_thresholds", File.ReadAllText(json), StringComparison.Ordinal);
    }

    private static void CheckCase(List<JsonNode> rows, string name, int batch)
    {
        var plain = Find(rows, $"{name}, plain ONNX + SsdLite post-processing, 1 threads");
        var nms = Find(rows, $"{name}, NMS model (in-graph NMS), 1 threads");
        var ratio = Find(rows, $"{name}, NMS model over plain + post-processing (x)");
        var run = Find(rows, $"{name}, plain ONNX run alone");
        var post = Find(rows, $"{name}, SsdLite post-processing alone");
        var extra = Find(rows, $"{name}, NMS model over the plain run");
        foreach (var r in new[] { plain, nms, run, post, extra, ratio })
        {
            Assert.Equal(2, r.Samples);
            Assert.True(r.Min <= r.Median && r.Median <= r.Max, $"{name}: median {r.Median} outside {r.Min}..{r.Max}");
        }
        Assert.True(run.Min > 0 && post.Min >= 0 && nms.Min > 0);
        // Each round's plain time is its run plus its post-processing; each round's extra is the NMS time less that run.
        Assert.InRange(plain.Min, run.Min + post.Min - 1e-9, run.Max + post.Max + 1e-9);
        Assert.InRange(extra.Median, nms.Min - run.Max - 1e-9, nms.Max - run.Min + 1e-9);
        // Per-round ratios of per-image times lie between the extremes the two rows allow.
        Assert.InRange(ratio.Median, nms.Min / plain.Max, nms.Max / plain.Min);
        var graphRatio = Find(rows, $"{name}, in-graph NMS's extra over SsdLite post-processing (x)");
        Assert.Equal(extra.Median / post.Median, graphRatio.Median, 9);
        Assert.True(graphRatio.Min <= graphRatio.Median && graphRatio.Median <= graphRatio.Max, $"{name}: {graphRatio}");
        var tail = Find(rows, $"{name}, NMS tail alone (ONNX Runtime, same nodes), 1 threads");
        var tailRatio = Find(rows, $"{name}, NMS tail alone over SsdLite post-processing (x)");
        Assert.Equal(2, tail.Samples);
        Assert.True(tail.Min > 0 && tailRatio.Min > 0);
        Assert.InRange(tailRatio.Median, tail.Min / post.Max, tail.Max / post.Min);

        var found = Find(rows, $"{name}, detections per image, SsdLite post-processing").Median;
        var kept = rows.Single(r => r["case"]!.GetValue<string>().StartsWith($"{name}, detections per image, NMS model (K ", StringComparison.Ordinal));
        var k = int.Parse(kept["case"]!.GetValue<string>().Split("(K ")[1].TrimEnd(')'), System.Globalization.CultureInfo.InvariantCulture);
        var keptCount = kept["median"]!.GetValue<double>();
        // The graph's detections are the post-processing's best K of each image.
        if (batch == 1) Assert.Equal(Math.Min(found, k), keptCount);
        else Assert.True(keptCount <= Math.Min(found, k), $"{name}: {keptCount} NMS detections per image, {found} from post-processing, K {k}");
    }

    private sealed record Row(double Median, double Min, double Max, int Samples);

    private static Row Find(List<JsonNode> rows, string @case)
    {
        var r = rows.Single(r => r["case"]!.GetValue<string>() == @case);
        return new Row(r["median"]!.GetValue<double>(), r["min"]!.GetValue<double>(), r["max"]!.GetValue<double>(), r["samples"]!.GetValue<int>());
    }
}
