using SsdLite.Runtime;
namespace SsdLite.Detection.Tests;

public class NmsTests
{
    [Fact]
    public void EmptyInputKeepsNothing()
    {
        Assert.Equal(0, Nms.Hard([], [], 0.45f, 200, -1, []));
        Assert.Equal(0, Nms.Soft([], [], 0.5f, 0.01f, 200, -1, [], []));
    }

    [Fact]
    public void HardNmsDropsHeavilyOverlappingBoxes()
    {
        // A and B: intersection 9 x 10 = 90, union 110, IoU .818 > .45; C is apart. Input not sorted.
        float[] boxes = [1, 0, 11, 10, 20, 20, 30, 30, 0, 0, 10, 10];
        float[] scores = [0.8f, 0.7f, 0.9f];
        var keep = new int[3];

        var n = Nms.Hard(boxes, scores, 0.45f, 200, -1, keep);

        Assert.Equal([2, 1], keep[..n]);
    }

    [Fact]
    public void AnIouExactlyAtTheThresholdIsKept()
    {
        // B = (0, 0, 3, 3) inside A = (0, 0, 4, 5): IoU 9 / 20 = .45 -> kept.
        // C = (0, 0, 3, 3.1) inside A: IoU 9.3 / 20 = .465 -> dropped.
        float[] boxes = [0, 0, 4, 5, 0, 0, 3, 3];
        var keep = new int[2];
        Assert.Equal(2, Nms.Hard(boxes, [0.9f, 0.8f], 0.45f, 200, -1, keep));

        float[] over = [0, 0, 4, 5, 0, 0, 3, 3.1f];
        Assert.Equal(1, Nms.Hard(over, [0.9f, 0.8f], 0.45f, 200, -1, keep));
    }

    [Fact]
    public void EqualScoresRankByIndex()
    {
        // Four boxes apart from each other: order by score, then index.
        float[] apart = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7];
        var keep = new int[4];
        var n = Nms.Hard(apart, [0.5f, 0.9f, 0.5f, 0.9f], 0.45f, 200, -1, keep);
        Assert.Equal([1, 3, 0, 2], keep[..n]);

        // Two identical boxes with equal scores: the lower index survives.
        float[] same = [0, 0, 1, 1, 0, 0, 1, 1];
        n = Nms.Hard(same, [0.5f, 0.5f], 0.45f, 200, -1, keep);
        Assert.Equal([0], keep[..n]);
    }

    [Fact]
    public void CandidateSizeAndTopKLimitTheResult()
    {
        float[] apart = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5];
        float[] scores = [0.3f, 0.9f, 0.6f];
        var keep = new int[3];

        Assert.Equal([1, 2], keep[..Nms.Hard(apart, scores, 0.45f, 2, -1, keep)]);
        Assert.Equal([1], keep[..Nms.Hard(apart, scores, 0.45f, 200, 1, keep)]);
        Assert.Equal([1, 2, 0], keep[..Nms.Hard(apart, scores, 0.45f, 0, 0, keep)]);
    }

    [Fact]
    public void SoftNmsDecaysOverlappingScores()
    {
        // A = (0, 0, 4, 4) .9; B = (0, 0, 4, 2) .8, IoU with A 8 / 16 = .5; C apart .3.
        // After keeping A: B = .8 * exp(-.25 / .5) = .8 * .6065307 = .4852245; C stays .3.
        float[] boxes = [0, 0, 4, 4, 0, 0, 4, 2, 10, 10, 12, 12];
        var keep = new int[3];
        var kept = new float[3];

        var n = Nms.Soft(boxes, [0.9f, 0.8f, 0.3f], 0.5f, 0.01f, 200, -1, keep, kept);

        Assert.Equal([0, 1, 2], keep[..n]);
        Assert.Equal([0.9f, 0.4852245f, 0.3f], kept[..n], new FloatComparer(1e-6f));
    }

    [Fact]
    public void SoftNmsDropsScoresThatDecayUnderTheThreshold()
    {
        // As above with threshold .5: B decays to .485 and goes; C (.6, apart) stays.
        float[] boxes = [0, 0, 4, 4, 0, 0, 4, 2, 10, 10, 12, 12];
        var keep = new int[3];
        var kept = new float[3];

        var n = Nms.Soft(boxes, [0.9f, 0.8f, 0.6f], 0.5f, 0.5f, 200, -1, keep, kept);

        Assert.Equal([0, 2], keep[..n]);
        Assert.Equal([0.9f, 0.6f], kept[..n]);
    }

    [Fact]
    public void SoftNmsCanReorderByDecayedScore()
    {
        // B (.8) overlaps A (.9) fully, IoU 1: .8 * exp(-1 / .5) = .8 * .1353353 = .1082682, now below C (.3).
        float[] boxes = [0, 0, 4, 4, 0, 0, 4, 4, 10, 10, 12, 12];
        var keep = new int[3];
        var kept = new float[3];

        var n = Nms.Soft(boxes, [0.9f, 0.8f, 0.3f], 0.5f, 0.01f, 200, -1, keep, kept);

        Assert.Equal([0, 2, 1], keep[..n]);
        Assert.Equal(0.1082682f, kept[2], 1e-6f);
    }

    [Fact]
    public void MismatchedScoresAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Nms.Hard(new float[8], [1f], 0.45f, 200, -1, new int[2]));
    }
}
