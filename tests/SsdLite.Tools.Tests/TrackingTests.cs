using SsdLite.Data.Synthetic;
using SsdLite.Tracking;

namespace SsdLite.Tools.Tests;

/// <summary>The tracking pieces against hand calculations and exhaustive search, and ByteTrack on known trajectories.</summary>
public sealed class TrackingTests
{
    [Fact]
    public void KalmanFilterMatchesAHandCalculationOfInitiatePredictUpdate()
    {
        // Box centre (100, 50), aspect 0.5, height 40. Initiate: position std 2/20*40 = 4 (var 16), velocity std
        // 10/160*40 = 2.5 (var 6.25). Predict (zero velocity): x stays 100; var x = 16 + 6.25 + (40/20)^2 = 26.25,
        // cov(x, vx) = 6.25, var vx = 6.25 + (40/160)^2 = 6.3125.
        var state = KalmanBoxFilter.Initiate([100, 50, 0.5, 40]);
        Assert.Equal(16, state.Covariance[0], 12);
        Assert.Equal(6.25, state.Covariance[(4 * 8) + 4], 12);
        state = KalmanBoxFilter.Predict(state);
        Assert.Equal(100, state.Mean[0], 12);
        Assert.Equal(26.25, state.Covariance[0], 12);
        Assert.Equal(6.25, state.Covariance[4], 12);
        Assert.Equal(6.3125, state.Covariance[(4 * 8) + 4], 12);
        // Update with x measured at 104: S = 26.25 + (40/20)^2 = 30.25; gain on x 26.25/30.25, on vx 6.25/30.25.
        var updated = KalmanBoxFilter.Update(state, [104, 50, 0.5, 40]);
        Assert.Equal(100 + (4 * 26.25 / 30.25), updated.Mean[0], 10);
        Assert.Equal(4 * 6.25 / 30.25, updated.Mean[4], 10);
        Assert.Equal(50, updated.Mean[1], 10);
        // Posterior variance of x: 26.25 - 26.25^2 / 30.25; of vx: 6.3125 - 6.25^2 / 30.25.
        Assert.Equal(26.25 - (26.25 * 26.25 / 30.25), updated.Covariance[0], 10);
        Assert.Equal(6.3125 - (6.25 * 6.25 / 30.25), updated.Covariance[(4 * 8) + 4], 10);
        // The next prediction moves the centre by the learned velocity.
        var next = KalmanBoxFilter.Predict(updated);
        Assert.Equal(updated.Mean[0] + updated.Mean[4], next.Mean[0], 12);
    }

    [Fact]
    public void HungarianAssignmentMatchesAHandSolvedMatrixAndExhaustiveSearch()
    {
        // By hand: rows -> columns (1, 0, 2) costs 1 + 2 + 2 = 5, the least of the six permutations.
        double[,] cost = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        Assert.Equal([1, 0, 2], LinearAssignment.Minimize(cost));
        // Rectangular both ways: 2 rows of 3 columns, and its transpose.
        double[,] wide = { { 10, 1, 7 }, { 2, 9, 3 } };
        Assert.Equal([1, 0], LinearAssignment.Minimize(wide));
        double[,] tall = { { 10, 2 }, { 1, 9 }, { 7, 3 } };
        Assert.Equal([1, 0, -1], LinearAssignment.Minimize(tall)); // 2 + 1 = 3 beats 3 + 1 = 4
        var rng = new Random(4);
        for (var trial = 0; trial < 200; trial++)
        {
            int n = rng.Next(1, 6), m = rng.Next(1, 6);
            var c = new double[n, m];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < m; j++) c[i, j] = rng.Next(0, 20);
            }
            var got = LinearAssignment.Minimize(c);
            Assert.Equal(Math.Min(n, m), got.Count(j => j >= 0));
            Assert.Equal(got.Where(j => j >= 0).Distinct().Count(), got.Count(j => j >= 0));
            Assert.Equal(BruteForce(c), got.Select((j, i) => j >= 0 ? c[i, j] : 0).Sum(), 9);
        }
    }

    [Fact]
    public void CostLimitLeavesDearPairsUnmatchedAsByteTracksLinearAssignmentDoes()
    {
        // Limit 0.5: (0,0) at 0.2 is taken; row 1's only cheap column is taken, its other pair costs 0.9 > 0.5.
        double[,] cost = { { 0.2, 0.9 }, { 0.3, 0.9 } };
        var r = LinearAssignment.Solve(cost, 0.5);
        // The least total: (1,0) at 0.3 + row 0 unmatched would be 0.3 + 0.5 = 0.8 > (0,0) 0.2 + row 1 unmatched 0.5 = 0.7.
        Assert.Equal([new AssignedPair(0, 0)], r.Matches);
        Assert.Equal([1], r.UnmatchedRows);
        Assert.Equal([1], r.UnmatchedColumns);
        var none = LinearAssignment.Solve(new double[0, 3], 0.8);
        Assert.Empty(none.Matches);
        Assert.Equal([0, 1, 2], none.UnmatchedColumns);
    }

    [Fact]
    public void ClearMotAndIdf1MatchAHandCountedCase()
    {
        // Two objects over four frames. Hypothesis 10 follows object 1 throughout; object 2 is followed by 20 in frames 0-1,
        // missed in frame 2, by 30 in frame 3 (one id switch); a false positive 99 in frame 1.
        static TrackedBox B(int id, float x) => new(id, x, 0, x + 10, 10);
        var truth = new List<IReadOnlyList<TrackedBox>>
        {
            new[] { B(1, 0), B(2, 50) }, new[] { B(1, 2), B(2, 52) }, new[] { B(1, 4), B(2, 54) }, new[] { B(1, 6), B(2, 56) },
        };
        var hyp = new List<IReadOnlyList<TrackedBox>>
        {
            new[] { B(10, 0), B(20, 50) }, new[] { B(10, 2), B(20, 52), B(99, 200) }, new[] { B(10, 4) }, new[] { B(10, 6), B(30, 56) },
        };
        var r = MotMetrics.Compute(truth, hyp);
        Assert.Equal(8, r.GroundTruth);
        Assert.Equal(7, r.Matches);
        Assert.Equal(1, r.Misses);
        Assert.Equal(1, r.FalsePositives);
        Assert.Equal(1, r.IdSwitches);
        Assert.Equal(1 - (3.0 / 8), r.Mota, 12);
        // IDF1: 1<->10 overlap 4 frames, 2<->20 2 frames (30 unmatched): IDTP 6, IDFN 8 - 6 = 2, IDFP 8 - 6 = 2.
        Assert.Equal(6, r.Idtp);
        Assert.Equal(2.0 * 6 / ((2 * 6) + 2 + 2), r.Idf1, 12);
        Assert.Equal(1.0, r.Motp, 12);
    }

    [Fact]
    public void ByteTrackKeepsIdsThroughAMissedFrameAndUsesLowScoreBoxes()
    {
        var tracker = new ByteTracker(new ByteTrackOptions { FrameRate = 30 });
        static TrackBox Box(float x, float y, float score) => new(x, y, x + 20, y + 40, score);
        // Frame 1 confirms both tracks at once (ids 1 and 2, in detection order).
        Assert.Equal([1, 2], tracker.Update([Box(0, 0, 0.9f), Box(100, 0, 0.8f)]));
        Assert.Equal([1, 2], tracker.Update([Box(2, 0, 0.9f), Box(102, 0, 0.8f)]));
        // Object 2 drops to a low score (0.3): the second association keeps its id.
        Assert.Equal([1, 2], tracker.Update([Box(4, 0, 0.9f), Box(104, 0, 0.3f)]));
        // Object 2 missed for a frame: it is lost, not removed; it comes back with its id.
        Assert.Equal(new int?[] { 1 }, tracker.Update([Box(6, 0, 0.9f)]));
        Assert.Equal([1, 2], tracker.Update([Box(8, 0, 0.9f), Box(108, 0, 0.9f)]));
        // A newcomer after frame 1 is tentative for one frame (no id shown), then confirmed as id 3.
        Assert.Equal(new int?[] { 1, 2, null }, tracker.Update([Box(10, 0, 0.9f), Box(110, 0, 0.9f), Box(200, 100, 0.9f)]));
        Assert.Equal(new int?[] { 1, 2, 3 }, tracker.Update([Box(12, 0, 0.9f), Box(112, 0, 0.9f), Box(201, 100, 0.9f)]));
    }

    [Fact]
    public void ByteTrackRetiresALostTrackAfterTheBuffer()
    {
        var tracker = new ByteTracker(new ByteTrackOptions { FrameRate = 30, TrackBuffer = 2 });
        var box = new TrackBox(0, 0, 20, 40, 0.9f);
        Assert.Equal(new int?[] { 1 }, tracker.Update([box]));
        for (var i = 0; i < 3; i++) tracker.Update(Array.Empty<TrackBox>());
        // Three frames lost > buffer 2: the same box now starts a new, tentative track.
        Assert.Equal(new int?[] { null }, tracker.Update([box]));
        Assert.Equal(new int?[] { 2 }, tracker.Update([box]));
    }

    /// <summary>
    /// ByteTrack over the synthetic video's ground truth seen through a noisy detector (seeded): boxes jittered by up to
    /// 2 px, 10% missed, scores 0.3-0.95, one false positive in five frames. Targets set from the first measurement on
    /// this seed (MOTA 0.793, IDF1 0.808, 3 id switches, recall 0.803, no false positive kept) with a small margin; ids
    /// identical on a second run.
    /// </summary>
    [Fact]
    public void ByteTrackOnSyntheticShapesHoldsItsMotaIdf1AndIdSwitchTargetsDeterministically()
    {
        var first = TrackSynthetic(out var ids1);
        var second = TrackSynthetic(out var ids2);
        Assert.Equal(ids1, ids2);
        Assert.Equal(first, second);
        Assert.True(first.Mota >= 0.77, $"MOTA {first.Mota:F3} IDF1 {first.Idf1:F3} {first}");
        Assert.True(first.Idf1 >= 0.78, $"IDF1 {first.Idf1:F3}");
        Assert.True(first.IdSwitches <= 3, $"{first.IdSwitches} id switches");
    }

    internal static MotResult TrackSynthetic(out List<int?[]> ids)
    {
        var video = new SyntheticVideo(new SyntheticVideoOptions { Frames = 80, Objects = 4, Seed = 7 });
        var rng = new Random(11);
        var tracker = new ByteTracker(new ByteTrackOptions { FrameRate = video.Fps });
        var truth = new List<IReadOnlyList<TrackedBox>>();
        var hyp = new List<IReadOnlyList<TrackedBox>>();
        ids = [];
        for (var f = 0; f < 80; f++)
        {
            var (_, objects) = video.Render(f);
            truth.Add(objects.Select(o => new TrackedBox(o.TrackId, o.XMin, o.YMin, o.XMax + 1, o.YMax + 1)).ToList());
            var boxes = new List<TrackBox>();
            foreach (var o in objects)
            {
                if (rng.NextDouble() < 0.1) continue;
                float J() => (float)((rng.NextDouble() * 4) - 2);
                boxes.Add(new TrackBox(o.XMin + J(), o.YMin + J(), o.XMax + 1 + J(), o.YMax + 1 + J(), (float)(0.3 + (0.65 * rng.NextDouble()))));
            }
            if (rng.Next(5) == 0)
            {
                float x = rng.Next(0, 130), y = rng.Next(0, 130);
                boxes.Add(new TrackBox(x, y, x + 25, y + 25, (float)(0.2 + (0.6 * rng.NextDouble()))));
            }
            var assigned = tracker.Update(boxes);
            ids.Add(assigned);
            hyp.Add(boxes.Select((b, i) => (b, i)).Where(p => assigned[p.i] is not null)
                .Select(p => new TrackedBox(assigned[p.i]!.Value, p.b.XMin, p.b.YMin, p.b.XMax, p.b.YMax)).ToList());
        }
        return MotMetrics.Compute(truth, hyp);
    }

    private static double BruteForce(double[,] c)
    {
        int n = c.GetLength(0), m = c.GetLength(1);
        var best = double.PositiveInfinity;
        void Go(int i, bool[] used, double sum, int matched)
        {
            if (i == n)
            {
                if (matched == Math.Min(n, m)) best = Math.Min(best, sum);
                return;
            }
            Go(i + 1, used, sum, matched); // row i left out (the count check above keeps only full matchings)
            for (var j = 0; j < m; j++)
            {
                if (used[j]) continue;
                used[j] = true;
                Go(i + 1, used, sum + c[i, j], matched + 1);
                used[j] = false;
            }
        }
        Go(0, new bool[m], 0, 0);
        return best;
    }
}
