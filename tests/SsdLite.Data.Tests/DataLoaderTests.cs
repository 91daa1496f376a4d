using System.Diagnostics;
using SsdLite.Data;

namespace SsdLite.Data.Tests;

public sealed class DataLoaderTests
{
    private const int ImageSize = 2;
    private const int Priors = 3;

    private static int[] Samples(int count) => Enumerable.Range(0, count).ToArray();

    /// <summary>Writes the sample index and the low bits of its seed into the image; one box per sample.</summary>
    private static SampleTargets Transform(int sample, ulong seed, Span<float> image)
    {
        image.Fill(-1);
        image[0] = sample;
        image[1] = seed % 1000;
        return new SampleTargets([0.1f, 0.2f, 0.3f, 0.4f], [sample % 5 + 1], [sample % 2 == 0]);
    }

    private static void Encode(ReadOnlySpan<float> boxes, ReadOnlySpan<int> labels, ReadOnlySpan<bool> difficult, Span<float> loc, Span<long> label)
    {
        loc.Fill(boxes[2]);
        label.Fill(labels[0]);
        label[Priors - 1] = difficult[0] ? -1 : 0;
    }

    private static DataLoader<int> Loader(int count, int batch, int workers = 2, bool dropLast = true, bool shuffle = true, ulong seed = 7,
        SampleTransform<int>? transform = null, int prefetch = 4) =>
        new(Samples(count), transform ?? Transform, Encode,
            new DataLoaderOptions
            {
                BatchSize = batch,
                ImageSize = ImageSize,
                PriorCount = Priors,
                Workers = workers,
                DropLast = dropLast,
                Shuffle = shuffle,
                Seed = seed,
                Prefetch = prefetch,
            },
            describe: i => $"img{i}.jpg");

    private sealed record Seen(int Epoch, int Batch, int Sample, ulong Seed, float ImageSample, float ImageSeed, float Loc, long Label, long Flag);

    private static List<Seen> Collect(DataLoader<int> loader, int epoch)
    {
        var seen = new List<Seen>();
        foreach (DataBatch b in loader.GetBatches(epoch))
        {
            int floats = 3 * ImageSize * ImageSize;
            for (int i = 0; i < b.Count; i++)
            {
                seen.Add(new Seen(b.Epoch, b.Index, b.SampleIndices[i], b.Seeds[i], b.Images[i * floats], b.Images[i * floats + 1],
                    b.Locations[i * Priors * 4], b.Labels[i * Priors], b.Labels[i * Priors + Priors - 1]));
            }
        }
        return seen;
    }

    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // First outputs of Vigna's splitmix64.c seeded with 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void EachEpochYieldsEverySampleExactlyOnce()
    {
        DataLoader<int> loader = Loader(count: 24, batch: 4);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            List<Seen> seen = Collect(loader, epoch);
            Assert.Equal(Samples(24), seen.Select(s => s.Sample).Order());
            Assert.All(seen, s => Assert.Equal(s.Sample, s.ImageSample));
            Assert.Equal([0, 1, 2, 3, 4, 5], seen.Select(s => s.Batch).Distinct());
            Assert.All(seen, s => Assert.Equal(epoch, s.Epoch));
        }
    }

    [Fact]
    public void ShuffleDiffersBetweenEpochsAndSeeds()
    {
        int[] epoch0 = Loader(50, 5).EpochOrder(0);
        Assert.NotEqual(Samples(50), epoch0);
        Assert.NotEqual(epoch0, Loader(50, 5).EpochOrder(1));
        Assert.NotEqual(epoch0, Loader(50, 5, seed: 8).EpochOrder(0));
        Assert.Equal(epoch0, Loader(50, 5).EpochOrder(0));
    }

    [Fact]
    public void WorkerCountChangesNeitherOrderNorAugmentationSeeds()
    {
        List<Seen> one = Collect(Loader(37, 3, workers: 1), epoch: 2);
        List<Seen> two = Collect(Loader(37, 3, workers: 2), epoch: 2);
        List<Seen> four = Collect(Loader(37, 3, workers: 4, prefetch: 2), epoch: 2);

        Assert.Equal(36, one.Count);
        Assert.Equal(one, two);
        Assert.Equal(one, four);
        Assert.Equal(Loader(37, 3).EpochOrder(2).Take(36), one.Select(s => s.Sample));
        Assert.Equal(36, one.Select(s => s.Seed).Distinct().Count());
        Assert.All(one, s => Assert.Equal(LoaderSeeds.Sample(7, 2, s.Sample), s.Seed));
    }

    [Fact]
    public void TargetsComeFromTheEncoder()
    {
        List<Seen> seen = Collect(Loader(6, 2, shuffle: false), epoch: 0);
        Assert.All(seen, s => Assert.Equal(0.3f, s.Loc));
        Assert.Equal([1L, 2, 3, 4, 5, 1], seen.Select(s => s.Label));
        Assert.Equal([-1L, 0, -1, 0, -1, 0], seen.Select(s => s.Flag));
    }

    [Fact]
    public void DropLastLeavesOutTheIncompleteBatch()
    {
        DataLoader<int> loader = Loader(10, 4, shuffle: false);
        Assert.Equal(2, loader.BatchesPerEpoch);
        Assert.Equal([4, 4], loader.GetBatches(0).Select(b => b.Count).ToArray());
        Assert.Equal(Samples(8), Collect(loader, 0).Select(s => s.Sample));
    }

    [Fact]
    public void WithoutDropLastTheLastBatchIsShort()
    {
        DataLoader<int> loader = Loader(10, 4, shuffle: false, dropLast: false);
        Assert.Equal(3, loader.BatchesPerEpoch);
        DataBatch last = loader.GetBatches(0).Last();
        Assert.Equal(2, last.Count);
        Assert.Equal(2 * 3 * ImageSize * ImageSize, last.ImageData.Length);
        Assert.Equal(2 * Priors, last.LabelData.Length);
        Assert.Equal(Samples(10), Collect(loader, 0).Select(s => s.Sample));
    }

    [Fact]
    public async Task AsyncEnumerationYieldsTheSameBatches()
    {
        DataLoader<int> loader = Loader(20, 4);
        var expected = Collect(loader, 1).Select(s => s.Sample).ToList();
        var actual = new List<int>();
        await foreach (DataBatch b in loader.GetBatchesAsync(1))
        {
            actual.AddRange(b.SampleIndices.Take(b.Count));
        }
        Assert.Equal(expected, actual);
        Assert.Equal(0, loader.ActiveWorkers);
    }

    [Fact]
    public void CancellationMidEpochEndsPromptlyAndStopsEveryWorker()
    {
        SampleTransform<int> slow = (s, seed, image) =>
        {
            Thread.Sleep(20);
            return Transform(s, seed, image);
        };
        DataLoader<int> loader = Loader(1000, 2, workers: 4, transform: slow);
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        int batches = 0;

        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (DataBatch _ in loader.GetBatches(0, cts.Token))
            {
                if (++batches == 3)
                {
                    cts.Cancel();
                }
            }
        });

        Assert.Equal(3, batches);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(0, loader.ActiveWorkers);
    }

    [Fact]
    public void BreakingOutOfAnEpochStopsEveryWorker()
    {
        DataLoader<int> loader = Loader(400, 2, workers: 4);
        DataBatch first = loader.GetBatches(0).First();
        Assert.Equal(2, first.Count);
        Assert.Equal(0, loader.ActiveWorkers);
    }

    [Fact]
    public void PrefetchBoundsTheWorkAheadOfTheConsumer()
    {
        int loaded = 0;
        SampleTransform<int> counting = (s, seed, image) =>
        {
            Interlocked.Increment(ref loaded);
            return Transform(s, seed, image);
        };
        DataLoader<int> loader = Loader(100, 2, workers: 4, transform: counting, prefetch: 3);
        using IEnumerator<DataBatch> batches = loader.GetBatches(0).GetEnumerator();
        Assert.True(batches.MoveNext());
        Thread.Sleep(300);
        // The batch held by the consumer counts: at most 3 batches of 2 are ever assembled ahead.
        Assert.Equal(6, Volatile.Read(ref loaded));
    }

    [Fact]
    public void AFailingSampleIsReportedAndReplacedByTheNextOne()
    {
        SampleTransform<int> failing = (s, seed, image) =>
            s == 3 ? throw new InvalidDataException("img3.jpg: premature end of JPEG data") : Transform(s, seed, image);
        DataLoader<int> loader = Loader(8, 4, shuffle: false, transform: failing);
        var failures = new List<SampleFailure>();
        loader.SampleFailed += f =>
        {
            lock (failures)
            {
                failures.Add(f);
            }
        };

        List<Seen> seen = Collect(loader, epoch: 5);

        Assert.Equal([0, 1, 2, 4, 4, 5, 6, 7], seen.Select(s => s.Sample));
        Assert.Equal(4f, seen[3].ImageSample);
        Assert.NotEqual(seen[3].Seed, seen[4].Seed);
        SampleFailure failure = Assert.Single(failures);
        Assert.Equal((5, 3, "img3.jpg", "img3.jpg: premature end of JPEG data", 4),
            (failure.Epoch, failure.SampleIndex, failure.Source, failure.Reason, failure.ReplacementIndex));
        Assert.Equal("epoch 5: img3.jpg: img3.jpg: premature end of JPEG data (replaced by sample 4)", failure.ToString());
    }

    [Fact]
    public void ReplacementIsTheSameForAnyWorkerCount()
    {
        SampleTransform<int> failing = (s, seed, image) => s % 4 == 1 ? throw new IOException("bad") : Transform(s, seed, image);
        var one = Collect(Loader(30, 3, workers: 1, transform: failing), 0);
        var four = Collect(Loader(30, 3, workers: 4, transform: failing), 0);
        Assert.Equal(one, four);
        Assert.DoesNotContain(one, s => s.Sample % 4 == 1);
    }

    [Fact]
    public void InconsistentTargetsCountAsAFailedSample()
    {
        SampleTransform<int> inconsistent = (s, seed, image) => s == 0 ? new SampleTargets([0, 0, 1, 1], [1, 2], [false]) : Transform(s, seed, image);
        DataLoader<int> loader = Loader(4, 2, shuffle: false, transform: inconsistent);
        string? reason = null;
        loader.SampleFailed += f => reason = f.Reason;

        Assert.Equal([1, 1, 2, 3], Collect(loader, 0).Select(s => s.Sample));
        Assert.Equal("sample targets disagree: 4 box values, 2 labels, 1 difficult flags", reason);
    }

    [Fact]
    public void ASourceWhereNothingLoadsFailsTheEpochClearly()
    {
        SampleTransform<int> broken = (_, _, _) => throw new IOException("disk gone");
        DataLoader<int> loader = Loader(4, 2, transform: broken);
        var e = Assert.Throws<InvalidOperationException>(() => loader.GetBatches(0).ToList());
        Assert.Equal("epoch 0: none of the 4 samples loads; last error: disk gone", e.Message);
        Assert.Equal(0, loader.ActiveWorkers);
    }

    [Fact]
    public void OptionsAreCheckedAtConstruction()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new DataLoader<int>(Samples(3), Transform, Encode, new DataLoaderOptions { PriorCount = 3, Workers = 0 }));
        Assert.Equal("Workers", e.ParamName);
    }
}
