using SsdLite.Core;

namespace SsdLite.Detection.Tests;

public class MatcherTests
{
    // Four quadrant priors (center form) of a unit image:
    // P0 = (0, 0, .5, .5), P1 = (.5, 0, 1, .5), P2 = (0, .5, .5, 1), P3 = (.5, .5, 1, 1) in corner form.
    private static readonly float[] Quadrants =
    [
        0.25f, 0.25f, 0.5f, 0.5f,
        0.75f, 0.25f, 0.5f, 0.5f,
        0.25f, 0.75f, 0.5f, 0.5f,
        0.75f, 0.75f, 0.5f, 0.5f,
    ];

    private static readonly FloatComparer Close = new(1e-5f);

    [Fact]
    public void AGroundTruthUnderTheThresholdStillTakesItsBestPrior()
    {
        // The box (0, 0, .25, .25) overlaps P0 with IoU .0625 / .25 = .25 and nothing else.
        var (loc, labels) = Encode(Quadrants, [0f, 0f, 0.25f, 0.25f], [7], []);

        Assert.Equal([7L, 0L, 0L, 0L], labels);

        // Centre (.125, .125), size .25 against P0: dx = (.125 - .25) / .5 / .1 = -2.5, dw = ln(.5) / .2 = -3.465736.
        Assert.Equal([-2.5f, -2.5f, -3.465736f, -3.465736f], loc[..4], Close);
    }

    [Fact]
    public void AnIouOfExactlyTheThresholdMatches()
    {
        // P4 = (0, 0, 1, .5): IoU with the ground truth .25 / .5 = .5 exactly -> positive.
        // P5 = (0, 0, 1, .52): IoU .25 / .52 = .48 -> background. P0 is the forced best (IoU 1).
        float[] priors = [.. Quadrants, 0.5f, 0.25f, 1f, 0.5f, 0.5f, 0.26f, 1f, 0.52f];
        var (_, labels) = Encode(priors, [0f, 0f, 0.5f, 0.5f], [3], []);

        Assert.Equal([3L, 0L, 0L, 0L, 3L, 0L], labels);
    }

    [Fact]
    public void WhenTwoGroundTruthsForceTheSamePriorTheLaterWins()
    {
        // gt0 = P0 exactly (IoU 1), gt1 = (0, 0, .5, .4) (IoU .8 with P0, its best too). P0 prefers gt0 by
        // IoU, but the forcing pass runs in ground-truth order and gt1 overwrites.
        var (loc, labels) = Encode(Quadrants, [0f, 0f, 0.5f, 0.5f, 0f, 0f, 0.5f, 0.4f], [1, 2], []);

        Assert.Equal([2L, 0L, 0L, 0L], labels);

        // gt1 centre (.25, .2), size .5 x .4: dy = -.05 / .5 / .1 = -1, dh = ln(.8) / .2 = -1.115718.
        Assert.Equal([0f, -1f, 0f, -1.115718f], loc[..4], Close);
    }

    [Fact]
    public void APriorPrefersTheFirstGroundTruthOnEqualOverlap()
    {
        // gt0 and gt1 are both (0, 0, 1, .5): IoU .5 with P0 and with P1. Each one's best prior is P0 (the
        // first maximum), and the forcing pass gives P0 to the later, gt1. P1 is not forced: its IoU ties
        // (.5, .5) and it keeps the first, gt0, at exactly the threshold.
        var (_, labels) = Encode(Quadrants, [0f, 0f, 1f, 0.5f, 0f, 0f, 1f, 0.5f], [4, 5], []);

        Assert.Equal([5L, 4L, 0L, 0L], labels);
    }

    [Fact]
    public void PriorsMatchedToDifficultObjectsAreIgnored()
    {
        // gt0 on P0 is difficult, gt1 on P3 is not; P1 and P2 overlap neither.
        var (_, labels) = Encode(Quadrants, [0f, 0f, 0.5f, 0.5f, 0.5f, 0.5f, 1f, 1f], [3, 4], [true, false]);

        Assert.Equal([-1L, 0L, 0L, 4L], labels);
    }

    [Fact]
    public void AnImageWithoutObjectsIsAllBackground()
    {
        var matcher = new Matcher(Quadrants, new BoxCoder());
        var loc = Enumerable.Repeat(9f, 16).ToArray();
        var labels = Enumerable.Repeat(9L, 4).ToArray();

        matcher.Encode([], [], [], loc, labels);

        Assert.All(labels, l => Assert.Equal(0L, l));
        Assert.All(loc, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void PositivePriorsDecodeBackToTheirGroundTruthOnReferencePriors()
    {
        var priors = PriorGenerator.Generate(PriorSpec.Reference);
        var coder = new BoxCoder(PriorSpec.Reference);
        var matcher = new Matcher(priors, coder);
        float[] boxes = [0.1f, 0.2f, 0.4f, 0.7f, 0.55f, 0.5f, 0.95f, 0.9f];
        var loc = new float[priors.Length];
        var labels = new long[priors.Length / 4];

        matcher.Encode(boxes, [1, 2], [], loc, labels);

        var decoded = new float[priors.Length];
        coder.Decode(loc, priors, decoded);
        var positives = 0;
        for (var p = 0; p < labels.Length; p++)
        {
            if (labels[p] > 0)
            {
                positives++;
                var g = (int)labels[p] - 1;
                Assert.Equal(boxes.AsSpan(g * 4, 4).ToArray(), decoded.AsSpan(p * 4, 4).ToArray(), Close);
            }
        }

        Assert.True(positives >= 2);
    }

    [Fact]
    public void MismatchedInputsAreRejected()
    {
        var matcher = new Matcher(Quadrants, new BoxCoder());
        Assert.Throws<ArgumentException>(() => matcher.Encode(new float[4], [1, 2], [], new float[16], new long[4]));
        Assert.Throws<ArgumentException>(() => matcher.Encode(new float[4], [1], [true, false], new float[16], new long[4]));
        Assert.Throws<ArgumentException>(() => matcher.Encode(new float[4], [1], [], new float[8], new long[4]));
    }

    private static (float[] Loc, long[] Labels) Encode(float[] priors, float[] boxes, int[] labels, bool[] difficult)
    {
        var matcher = new Matcher(priors, new BoxCoder());
        var loc = new float[priors.Length];
        var labelOut = new long[priors.Length / 4];
        matcher.Encode(boxes, labels, difficult, loc, labelOut);
        return (loc, labelOut);
    }
}
