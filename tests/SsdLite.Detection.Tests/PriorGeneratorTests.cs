using System.Globalization;
using SsdLite.Core;

namespace SsdLite.Detection.Tests;

public class PriorGeneratorTests
{
    [Fact]
    public void ReferenceSpecMakesThreeThousandPriors()
    {
        Assert.Equal(3000, PriorSpec.Reference.PriorCount);
        Assert.Equal(3000 * 4, PriorGenerator.Generate(PriorSpec.Reference).Length);
    }

    [Fact]
    public void PriorsAt300MatchTheReferenceFile()
    {
        var expected = ReadReferencePriors();
        var actual = PriorGenerator.Generate(PriorSpec.Reference);

        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(
                Math.Abs(expected[k] - actual[k]) <= 1e-6,
                $"prior {k / 4} value {k % 4}: expected {expected[k]}, got {actual[k]}");
        }
    }

    [Fact]
    public void PriorsAt160UseEvenCentresAndTheSameRelativeSizes()
    {
        // MobileNetV2 at 160: strides 16 and 32 give 10 and 5, the extras halve (rounding up) to 3, 2, 1, 1.
        int[] sizes = [10, 5, 3, 2, 1, 1];
        var priors = PriorGenerator.Generate(PriorSpec.Reference, 160, sizes);

        // (100 + 25 + 9 + 4 + 1 + 1) cells x 6 boxes.
        Assert.Equal(840 * 4, priors.Length);

        // Source 0, cell (0, 0): centre 0.5/10; min 60 px at 300 is 32 px at 160, 32/160 = 0.2;
        // sqrt(60*105) = 79.3725 -> 0.264575; ratio 2: 0.2*1.414214 = 0.282843 and 0.2/1.414214 = 0.141421;
        // ratio 3: 0.2*1.732051 = 0.346410 and 0.2/1.732051 = 0.115470.
        AssertPrior(priors, 0, 0.05f, 0.05f, 0.2f, 0.2f);
        AssertPrior(priors, 1, 0.05f, 0.05f, 0.264575f, 0.264575f);
        AssertPrior(priors, 2, 0.05f, 0.05f, 0.282843f, 0.141421f);
        AssertPrior(priors, 3, 0.05f, 0.05f, 0.141421f, 0.282843f);
        AssertPrior(priors, 4, 0.05f, 0.05f, 0.346410f, 0.115470f);
        AssertPrior(priors, 5, 0.05f, 0.05f, 0.115470f, 0.346410f);

        // Source 0, row i = 1, column j = 2: cell 12, first box 72; centre (2.5/10, 1.5/10).
        AssertPrior(priors, 72, 0.25f, 0.15f, 0.2f, 0.2f);

        // Source 1 starts at box 600; cell (0, 0) centre 0.5/5 = 0.1, min 105/300 = 0.35.
        AssertPrior(priors, 600, 0.1f, 0.1f, 0.35f, 0.35f);

        // The last source: one cell at 0.5; 285/300 = 0.95; sqrt(285*330)/300 = 1.0222 clamps to 1.
        AssertPrior(priors, 834, 0.5f, 0.5f, 0.95f, 0.95f);
        AssertPrior(priors, 835, 0.5f, 0.5f, 1f, 1f);
    }

    [Fact]
    public void PriorsAt300FollowTheShrinkageTable()
    {
        var priors = PriorGenerator.Generate(PriorSpec.Reference);

        // Source 0, row 0, column 18: centre x = 18.5 * 16 / 300 = 0.986667, not 18.5 / 19 = 0.973684.
        AssertPrior(priors, 18 * 6, 0.986667f, 0.026667f, 0.2f, 0.2f);

        // Source 3 (3x3, shrinkage 100) starts after (361 + 100 + 25) cells; cell (1, 1): centre 150/300.
        var start = (361 + 100 + 25) * 6;
        AssertPrior(priors, start + (4 * 6), 0.5f, 0.5f, 0.65f, 0.65f);
    }

    [Fact]
    public void WrongNumberOfFeatureSizesIsRejected()
    {
        Assert.Throws<ArgumentException>(() => PriorGenerator.Generate(PriorSpec.Reference, 300, [19, 10]));
    }

    private static void AssertPrior(float[] priors, int index, float cx, float cy, float w, float h)
    {
        Assert.Equal(cx, priors[index * 4], 5e-6f);
        Assert.Equal(cy, priors[(index * 4) + 1], 5e-6f);
        Assert.Equal(w, priors[(index * 4) + 2], 5e-6f);
        Assert.Equal(h, priors[(index * 4) + 3], 5e-6f);
    }

    private static float[] ReadReferencePriors()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "priors-300.txt");
        var values = new List<float>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('#') || string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            foreach (var field in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                values.Add(float.Parse(field, CultureInfo.InvariantCulture));
            }
        }

        return [.. values];
    }
}
