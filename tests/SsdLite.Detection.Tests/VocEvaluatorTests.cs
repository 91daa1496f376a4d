using SsdLite.Core.Evaluation;
using SsdLite.Runtime;
namespace SsdLite.Detection.Tests;

public class VocEvaluatorTests
{
    private const double Tolerance = 1e-9;

    private static readonly BoxF G1 = new(0, 0, 9, 9);
    private static readonly BoxF G2 = new(20, 20, 29, 29);
    private static readonly BoxF G3 = new(40, 40, 49, 49);
    private static readonly BoxF G4 = new(60, 60, 69, 69);
    private static readonly BoxF Nowhere = new(100, 100, 109, 109);

    [Fact]
    public void DevkitIouCountsPixelsInclusively()
    {
        // (0, 0, 9, 9) is 10 x 10 = 100 pixels; (0, 0, 9, 4) is 10 x 5 = 50, all inside: 50 / 100.
        Assert.Equal(0.5, VocEvaluator.DevkitIou(G1, new BoxF(0, 0, 9, 4)), Tolerance);

        // Touching at x = 9: one shared pixel column, 1 x 10 = 10; union 100 + 100 - 10.
        Assert.Equal(10.0 / 190.0, VocEvaluator.DevkitIou(G1, new BoxF(9, 0, 18, 9)), Tolerance);
    }

    [Fact]
    public void PerfectDetectionsScoreOne()
    {
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1), Obj(1, G2)], [Det(1, 0.9f, G1), Det(1, 0.8f, G2)]);

        Assert.Equal(1.0, evaluator.Evaluate(VocMetric.Voc07).MeanAveragePrecision, Tolerance);
        Assert.Equal(1.0, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void AFalsePositiveAtTheTopRank()
    {
        // Ranked: FP, TP, TP over 2 objects in two images. recall 0, .5, 1; precision 0, .5, 2/3.
        // 11-point: every t has recall 1 reachable with precision 2/3 -> 2/3.
        // All-point: envelope 2/3 over [0, 1] -> 2/3.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1)], [Det(1, 0.9f, Nowhere), Det(1, 0.8f, G1)]);
        evaluator.AddImage([Obj(1, G2)], [Det(1, 0.7f, G2)]);

        Assert.Equal(2.0 / 3.0, evaluator.Evaluate(VocMetric.Voc07).AveragePrecision[1], Tolerance);
        Assert.Equal(2.0 / 3.0, evaluator.Evaluate(VocMetric.Voc12).AveragePrecision[1], Tolerance);
        Assert.Equal(2, evaluator.ImageCount);
    }

    [Fact]
    public void MissedObjectsCapTheRecall()
    {
        // 4 objects, 2 found: recall .25, .5 at precision 1.
        // 11-point: t = 0, .1, .2, .3, .4, .5 give 1, t = .6 .. 1 give 0 -> 6 / 11.
        // All-point: .25 * 1 + .25 * 1 + .5 * 0 = .5.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1), Obj(1, G2), Obj(1, G3), Obj(1, G4)], [Det(1, 0.9f, G1), Det(1, 0.8f, G2)]);

        Assert.Equal(6.0 / 11.0, evaluator.Evaluate(VocMetric.Voc07).MeanAveragePrecision, Tolerance);
        Assert.Equal(0.5, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void ADuplicateIsAFalsePositiveAndTheMetricsDiffer()
    {
        // Ranked: TP (G1), duplicate on G1 (FP), TP (G2). recall .5, .5, 1; precision 1, .5, 2/3.
        // 11-point: t = 0 .. .5 (6 values) -> 1; t = .6 .. 1 (5 values) -> 2/3; (6 + 10/3) / 11 = 28/33.
        // All-point: envelope 1 on (0, .5], 2/3 on (.5, 1] -> .5 + 1/3 = 5/6.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1), Obj(1, G2)], [Det(1, 0.9f, G1), Det(1, 0.8f, G1), Det(1, 0.7f, G2)]);

        Assert.Equal(28.0 / 33.0, evaluator.Evaluate(VocMetric.Voc07).MeanAveragePrecision, Tolerance);
        Assert.Equal(5.0 / 6.0, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void ADetectionOfADifficultObjectIsNeitherTrueNorFalse()
    {
        // G2 is difficult and detected first: ignored. One positive (G1) found next: recall 0, 1 with
        // precision 0 (0 / eps), 1 -> both metrics 1. Had it counted as a false positive, AP would be .5.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1), Obj(1, G2, difficult: true)], [Det(1, 0.9f, G2), Det(1, 0.8f, G1)]);

        Assert.Equal(1.0, evaluator.Evaluate(VocMetric.Voc07).MeanAveragePrecision, Tolerance);
        Assert.Equal(1.0, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void AnUndetectedDifficultObjectDoesNotLowerRecall()
    {
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1), Obj(1, G2, difficult: true)], [Det(1, 0.9f, G1)]);

        Assert.Equal(1.0, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void TwoClassesAverageAndClassesWithoutPositivesAreLeftOut()
    {
        // Class 1 perfect (1); class 2 has one object and only a miss (0); class 3 has only a difficult
        // object and class 4 only a detection: no recall is defined for them, so they are not averaged.
        var evaluator = new VocEvaluator();
        evaluator.AddImage(
            [Obj(1, G1), Obj(2, G2), Obj(3, G3, difficult: true)],
            [Det(1, 0.9f, G1), Det(2, 0.8f, G3), Det(4, 0.7f, G4)]);

        var result = evaluator.Evaluate(VocMetric.Voc07);

        Assert.Equal([1, 2], result.AveragePrecision.Keys);
        Assert.Equal(1.0, result.AveragePrecision[1], Tolerance);
        Assert.Equal(0.0, result.AveragePrecision[2], Tolerance);
        Assert.Equal(0.5, result.MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void OverlapOfExactlyTheThresholdIsATruePositive()
    {
        // (0, 0, 9, 4) overlaps G1 by exactly .5 (see DevkitIouCountsPixelsInclusively); (0, 0, 9, 3) by .4.
        var hit = new VocEvaluator();
        hit.AddImage([Obj(1, G1)], [Det(1, 0.9f, new BoxF(0, 0, 9, 4))]);
        Assert.Equal(1.0, hit.Evaluate().MeanAveragePrecision, Tolerance);

        var miss = new VocEvaluator();
        miss.AddImage([Obj(1, G1)], [Det(1, 0.9f, new BoxF(0, 0, 9, 3))]);
        Assert.Equal(0.0, miss.Evaluate().MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void DetectionsInImagesWithoutThatClassAreFalsePositives()
    {
        // Image 2 has no class-1 object: its .95 detection is a false positive ranked first.
        // recall 0, 1; precision 0, .5 -> 11-point .5, all-point .5.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1)], [Det(1, 0.9f, G1)]);
        evaluator.AddImage([Obj(2, G1)], [Det(1, 0.95f, G1)]);

        Assert.Equal(0.5, evaluator.Evaluate(VocMetric.Voc12).AveragePrecision[1], Tolerance);
        Assert.Equal(0.5, evaluator.Evaluate(VocMetric.Voc07).AveragePrecision[1], Tolerance);
    }

    [Fact]
    public void EqualOverlapsGoToTheFirstObjectAsNumpyArgmaxDoes()
    {
        // A difficult and a plain object on the same box: the detection overlaps both by 1 and the first,
        // the difficult one, takes it (ignored). The plain object stays unfound: recall 0 -> AP 0.
        var evaluator = new VocEvaluator();
        evaluator.AddImage([Obj(1, G1, difficult: true), Obj(1, G1)], [Det(1, 0.9f, G1)]);

        Assert.Equal(0.0, evaluator.Evaluate(VocMetric.Voc12).MeanAveragePrecision, Tolerance);
    }

    [Fact]
    public void ElevenPointThresholdsAreNumpyStyle()
    {
        // Recall exactly .3 (as a double, 0.299999...) misses numpy's threshold 0.30000000000000004:
        // points (.3, 1): t = 0, .1, .2 reach it -> 3 / 11, not 4 / 11.
        Assert.Equal(3.0 / 11.0, AveragePrecision.ElevenPoint([0.3], [1.0]), Tolerance);
    }

    private static GroundTruthBox Obj(int classId, BoxF box, bool difficult = false) => new(classId, box, difficult);

    private static DetectedObject Det(int classId, float score, BoxF box) => new(classId, null, score, box);
}
