using System.Text.Json;
using SsdLite.Core.Evaluation;

namespace SsdLite.Detection.Tests.Evaluation;

/// <summary>
/// The COCO evaluator against pycocotools' COCOeval: each fixture in Data/coco is a ground-truth file, a results
/// file and the twelve numbers (and per-category AP) that COCOeval computed for them (make_expected.py).
/// </summary>
public class CocoEvaluatorTests
{
    private const double Tolerance = 1e-9;

    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Data", "coco");

    public static TheoryData<string> Fixtures() => new(FixtureNames());

    private static IEnumerable<string> FixtureNames() =>
        Directory.GetFiles(Folder, "*.expected.json").Order(StringComparer.Ordinal).Select(f => Path.GetFileName(f)[..^".expected.json".Length]);

    [Fact]
    public void EveryKindOfFixtureIsPresent()
    {
        var names = FixtureNames().ToList();
        Assert.Contains("crowd", names);
        Assert.Contains("areas", names);
        Assert.Contains("many", names);
        Assert.Contains("empty-class", names);
        Assert.Contains("trained-c7", names);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TwelveNumbersEqualCocoEval(string fixture)
    {
        var (result, expected) = Run(fixture);
        var stats = expected.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, stats.Length);
        for (int i = 0; i < stats.Length; i++)
        {
            Assert.True(Math.Abs(stats[i] - result.Stats[i]) <= Tolerance,
                $"{fixture}: {CocoResult.StatNames[i]} is {result.Stats[i]:R}, COCOeval {stats[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PerCategoryApEqualsCocoEval(string fixture)
    {
        var (result, expected) = Run(fixture);
        foreach (var entry in expected.GetProperty("per_category").EnumerateObject())
        {
            int category = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            if (entry.Value.ValueKind == JsonValueKind.Null)
            {
                Assert.False(result.PerCategory.ContainsKey(category), $"{fixture}: category {category} has no ground truth");
            }
            else
            {
                Assert.Equal(entry.Value.GetDouble(), result.PerCategory[category], Tolerance);
            }
        }
    }

    [Fact]
    public void CrowdIouIsOverTheDetectionsOwnArea()
    {
        var detection = new CocoDetection(1, 0, 0, 10, 10, 0.5);
        var plain = new CocoGroundTruth(1, 1, 5, 0, 100, 10, 1000, Crowd: false);
        // Overlap 5 x 10 = 50. Plain: 50 / (100 + 1000 - 50). Crowd: 50 / 100.
        Assert.Equal(50.0 / 1050.0, CocoEvaluator.Iou(detection, plain), 1e-15);
        Assert.Equal(0.5, CocoEvaluator.Iou(detection, plain with { Crowd = true }), 1e-15);
    }

    [Fact]
    public void ThresholdsAreNumpysLinspace()
    {
        Assert.Equal(0.5, CocoEvaluator.IouThresholds[0]);
        Assert.Equal(0.75, CocoEvaluator.IouThresholds[5]);
        Assert.Equal(0.95, CocoEvaluator.IouThresholds[9]);
        Assert.Equal(101, CocoEvaluator.RecallThresholds.Count);
        Assert.Equal(1.0, CocoEvaluator.RecallThresholds[100]);
    }

    private static (CocoResult Result, JsonElement Expected) Run(string fixture)
    {
        using var gt = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, fixture + ".gt.json")));
        using var dt = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, fixture + ".dt.json")));
        var categories = gt.RootElement.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("id").GetInt32());
        var evaluator = new CocoEvaluator(categories);
        var truths = gt.RootElement.GetProperty("annotations").EnumerateArray().Select(ReadTruth).ToLookup(t => t.ImageId, t => t.Truth);
        var detections = dt.RootElement.EnumerateArray().Select(ReadDetection).ToLookup(d => d.ImageId, d => d.Detection);
        foreach (var image in gt.RootElement.GetProperty("images").EnumerateArray())
        {
            long id = image.GetProperty("id").GetInt64();
            evaluator.AddImage(id, truths[id], detections[id]);
        }
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, fixture + ".expected.json"))).RootElement;
        return (evaluator.Evaluate(), expected);
    }

    private static (long ImageId, CocoGroundTruth Truth) ReadTruth(JsonElement a)
    {
        var box = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        bool crowd = a.TryGetProperty("iscrowd", out var c) && c.GetInt32() != 0;
        return (a.GetProperty("image_id").GetInt64(),
            new CocoGroundTruth(a.GetProperty("id").GetInt64(), a.GetProperty("category_id").GetInt32(), box[0], box[1], box[2], box[3],
                a.GetProperty("area").GetDouble(), crowd));
    }

    private static (long ImageId, CocoDetection Detection) ReadDetection(JsonElement d)
    {
        var box = d.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        return (d.GetProperty("image_id").GetInt64(),
            new CocoDetection(d.GetProperty("category_id").GetInt32(), box[0], box[1], box[2], box[3], d.GetProperty("score").GetDouble()));
    }
}
