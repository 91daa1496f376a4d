namespace SsdLite.Data.Tests;

/// <summary>
/// balance_data's sampler on a skewed set: 100 images of class 1, 20 of class 2, 5 of class 3. Weighted by one over
/// each class's image count, each class holds a third of the total weight, so an epoch of 125 draws takes 41.67
/// images of each in expectation, and many epochs' frequencies approach a third each.
/// </summary>
public sealed class BalancedSamplerTests
{
    private static readonly int[] ClassOfImage = [.. Enumerable.Repeat(1, 100), .. Enumerable.Repeat(2, 20), .. Enumerable.Repeat(3, 5)];

    private static BalancedSampler Skewed() => new(ClassOfImage.Select(c => (IReadOnlyCollection<int>)new[] { c }).ToList());

    [Fact]
    public void ExpectedDrawsPerClassAreEqualAndTheCountsBeforeAreTheImagesPerClass()
    {
        var sampler = Skewed();
        Assert.Equal(new Dictionary<int, int> { [1] = 100, [2] = 20, [3] = 5 }, sampler.ImagesPerClass);
        foreach (var c in new[] { 1, 2, 3 }) Assert.Equal(125 / 3.0, sampler.ExpectedImagesPerClass[c], 9);
        Assert.Equal("c1 100 -> 41.7, c2 20 -> 41.7, c3 5 -> 41.7", sampler.Describe(c => $"c{c}"));
    }

    [Fact]
    public void ClassFrequenciesOverEpochsApproachUniform()
    {
        var sampler = Skewed();
        var counts = new int[4];
        const int Epochs = 40;
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            var order = sampler.EpochOrder(seed: 17, epoch);
            Assert.Equal(125, order.Length);
            foreach (var i in order) counts[ClassOfImage[i]]++;
        }
        // 5000 draws, each class with p = 1/3: the standard deviation of a class's share is sqrt(p(1-p)/5000) = 0.0067,
        // so 0.03 is more than four of them. Unbalanced, the shares would be 0.80, 0.16 and 0.04.
        foreach (var c in new[] { 1, 2, 3 }) Assert.InRange(counts[c] / (double)(Epochs * 125), 1 / 3.0 - 0.03, 1 / 3.0 + 0.03);
    }

    [Fact]
    public void TheOrderDependsOnlyOnSeedAndEpoch()
    {
        var sampler = Skewed();
        Assert.Equal(sampler.EpochOrder(5, 2), Skewed().EpochOrder(5, 2));
        Assert.NotEqual(sampler.EpochOrder(5, 2), sampler.EpochOrder(6, 2));
        Assert.NotEqual(sampler.EpochOrder(5, 2), sampler.EpochOrder(5, 3));
    }

    [Fact]
    public void AnImageIsWeightedByItsRarestClassAndAnEmptyOneByTheCommonest()
    {
        // Class 1 in images 0, 1, 2; class 2 in images 2 and 3; image 4 has no objects.
        var sampler = new BalancedSampler([[1], [1, 1], [1, 2], [2], []]);
        Assert.Equal([1 / 3.0, 1 / 3.0, 1 / 2.0, 1 / 2.0, 1 / 3.0], sampler.Weights);
    }

    [Fact]
    public void TheLoaderVisitsTheSamplersDrawsAndAugmentsRepeatsDifferently()
    {
        var sampler = Skewed();
        var loader = new DataLoader<int>(Enumerable.Range(0, 125).ToArray(), (sample, seed, image) =>
        {
            image[0] = sample;
            image[1] = seed % 100000;
            return new SampleTargets([0.1f, 0.2f, 0.3f, 0.4f], [1], [false]);
        }, (_, _, _, loc, label) => { loc.Clear(); label.Clear(); },
            new DataLoaderOptions { BatchSize = 25, ImageSize = 2, PriorCount = 1, Workers = 2, Seed = 17, Sampler = sampler });
        Assert.Equal(sampler.EpochOrder(17, 0), loader.EpochOrder(0));
        var visited = new List<int>();
        var seeds = new List<ulong>();
        foreach (var batch in loader.GetBatches(0))
        {
            visited.AddRange(batch.SampleIndices.Take(batch.Count));
            seeds.AddRange(batch.Seeds.Take(batch.Count));
        }
        Assert.Equal(sampler.EpochOrder(17, 0), visited);
        // The 5 images of class 3 are drawn about 42 times: each draw gets its own augmentation seed.
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.Throws<ArgumentException>(() => new DataLoader<int>([1, 2], (_, _, _) => new SampleTargets([], [], []), (_, _, _, _, _) => { },
            new DataLoaderOptions { BatchSize = 2, ImageSize = 2, PriorCount = 1, Sampler = sampler }));
    }
}
