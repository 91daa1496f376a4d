using SsdLite.Runtime;
namespace SsdLite.Detection.Tests;

public class PostProcessorTests
{
    [Fact]
    public void PerClassThresholdNmsScalingAndMergedOrder()
    {
        // Relative boxes: b0 = (0, 0, .5, .5); b1 = (0, 0, .5, .55), IoU with b0 .25 / .275 = .909; b2 = (.5, .5, 1, 1).
        float[] boxes = [0, 0, 0.5f, 0.5f, 0, 0, 0.5f, 0.55f, 0.5f, 0.5f, 1, 1];

        // Scores per prior: background, class 1, class 2.
        float[] scores =
        [
            0.1f, 0.8f, 0.1f,
            0.2f, 0.7f, 0.1f,
            0.3f, 0.005f, 0.695f,
        ];

        // Class 1: p0 (.8), p1 (.7) pass .01 (p2 .005 does not); p1 overlaps p0 by .909 -> dropped.
        // Class 2: p2 (.695), then p0 and p1 (.1 each, p0 first by index); p0 is apart from p2 -> kept;
        // p1 overlaps p0 -> dropped. Merged by score: (1, .8, b0), (2, .695, b2), (2, .1, b0).
        // Image 200 x 100: b0 -> (0, 0, 100, 50), b2 -> (100, 50, 200, 100).
        var detections = new PostProcessor(labels: ["BACKGROUND", "cat", "dog"]).Process(scores, boxes, 3, 200, 100);

        Assert.Equal(
            [
                new DetectedObject(1, "cat", 0.8f, new BoxF(0, 0, 100, 50)),
                new DetectedObject(2, "dog", 0.695f, new BoxF(100, 50, 200, 100)),
                new DetectedObject(2, "dog", 0.1f, new BoxF(0, 0, 100, 50)),
            ],
            detections);
    }

    [Fact]
    public void BoxesAreClampedToTheImage()
    {
        float[] boxes = [-0.1f, -0.2f, 1.2f, 0.5f];
        var detections = new PostProcessor().Process([0.1f, 0.9f], boxes, 2, 640, 480);

        Assert.Equal(new BoxF(0, 0, 640, 240), Assert.Single(detections).Box);
        Assert.Null(detections[0].Label);
    }

    [Fact]
    public void AScoreEqualToTheThresholdIsDropped()
    {
        float[] boxes = [0, 0, 1, 1];
        var detections = new PostProcessor(scoreThreshold: 0.25f).Process([0.75f, 0.25f], boxes, 2, 10, 10);
        Assert.Empty(detections);
    }

    [Fact]
    public void EqualScoresAcrossClassesKeepClassOrder()
    {
        // One box, classes 1 and 2 both at .4: class 1 first.
        float[] boxes = [0, 0, 1, 1];
        var detections = new PostProcessor().Process([0.2f, 0.4f, 0.4f], boxes, 3, 10, 10);
        Assert.Equal([1, 2], detections.Select(d => d.ClassId));
    }

    [Fact]
    public void TopKLimitsEachClass()
    {
        // Three boxes apart, all class 1 and class 2 at descending scores; top-k 1 keeps the best of each.
        float[] boxes = [0, 0, 0.2f, 0.2f, 0.4f, 0.4f, 0.6f, 0.6f, 0.8f, 0.8f, 1, 1];
        float[] scores = [0.1f, 0.5f, 0.4f, 0.1f, 0.3f, 0.6f, 0.1f, 0.2f, 0.7f];
        var detections = new PostProcessor(topK: 1).Process(scores, boxes, 3, 1, 1);

        // Class 1's best is p0 (.5), class 2's is p2 (.7).
        Assert.Equal([(2, 0.7f), (1, 0.5f)], detections.Select(d => (d.ClassId, d.Score)));
    }

    [Fact]
    public void SoftNmsKeepsDecayedOverlaps()
    {
        // b0 and b1 are the same box: IoU 1, .6 * exp(-1 / .5) = .0812012 > .01 survives with its decayed score.
        float[] boxes = [0, 0, 0.5f, 0.5f, 0, 0, 0.5f, 0.5f];
        float[] scores = [0.1f, 0.9f, 0.4f, 0.6f];
        var detections = new PostProcessor(softNms: true).Process(scores, boxes, 2, 1, 1);

        Assert.Equal(2, detections.Count);
        Assert.Equal(0.9f, detections[0].Score);
        Assert.Equal(0.0812012f, detections[1].Score, 1e-6f);
    }

    [Fact]
    public void OnlyBackgroundGivesNothing()
    {
        float[] boxes = [0, 0, 1, 1, 0, 0, 0.5f, 0.5f];
        Assert.Empty(new PostProcessor().Process([1f, 0f, 0.995f, 0.005f], boxes, 2, 100, 100));
    }

    [Fact]
    public void NmsRowsAreReadUpToTheCountFilteredScaledAndClamped()
    {
        // Four rows of an NMS export's outputs, best first; num_detections says 3, so the 0.65 row is not read.
        float[] boxes = [-0.1f, 0.2f, 0.5f, 1.2f, 0.5f, 0.5f, 1, 1, 0, 0, 0.25f, 0.5f, 0, 0, 1, 1];
        float[] scores = [0.9f, 0.8f, 0.7f, 0.65f];
        int[] classes = [1, 2, 1, 2];
        string[] labels = ["BACKGROUND", "cat", "dog"];

        // Threshold 0.75 drops row 2 (0.7); rows 0 and 1 remain. Image 200 x 100: row 0 -> (-20, 20, 100, 120) clamped
        // to (0, 20, 100, 100); row 1 -> (100, 50, 200, 100).
        var filtered = new PostProcessor(0.75f, labels: labels).ProcessNmsRows(3, boxes, scores, classes, 200, 100);
        Assert.Equal([new DetectedObject(1, "cat", 0.9f, new BoxF(0, 20, 100, 100)), new DetectedObject(2, "dog", 0.8f, new BoxF(100, 50, 200, 100))],
            filtered);

        // Top-k 1 per class keeps each class's first row: row 2 is cat's second and goes; the count still stops at 3.
        var perClass = new PostProcessor(0.01f, topK: 1, labels: labels).ProcessNmsRows(3, boxes, scores, classes, 200, 100);
        Assert.Equal([1, 2], perClass.Select(d => d.ClassId));
        Assert.Equal(3, new PostProcessor(0.01f, labels: labels).ProcessNmsRows(3, boxes, scores, classes, 200, 100).Count);

        // A count past K reads the K rows; a negative one none.
        Assert.Equal(4, new PostProcessor(0.01f).ProcessNmsRows(9, boxes, scores, classes, 200, 100).Count);
        Assert.Empty(new PostProcessor(0.01f).ProcessNmsRows(-1, boxes, scores, classes, 200, 100));
        Assert.Throws<ArgumentException>(() => new PostProcessor().ProcessNmsRows(1, boxes.AsSpan(0, 8), scores, classes, 200, 100));
    }
}
