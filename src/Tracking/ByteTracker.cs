using SsdLite.Runtime;

namespace SsdLite.Tracking;

/// <summary>Where a track stands in <see cref="ByteTracker"/>.</summary>
public enum TrackState
{
    /// <summary>Matched in the latest frame.</summary>
    Tracked,

    /// <summary>Unmatched for up to the track buffer: kept, predicted, and found again if a detection fits.</summary>
    Lost,

    /// <summary>Gone for good.</summary>
    Removed,
}

/// <summary>
/// ByteTrack (Zhang et al., "ByteTrack: Multi-Object Tracking by Associating Every Detection Box", ECCV 2022), written
/// from the paper and its published association: each frame, (1) the tracked and lost tracks are predicted by the
/// Kalman filter and matched to the high-score detections (cost 1 − IoU × score, Hungarian, limit 0.8); (2) tracks still
/// unmatched that were tracked in the previous frame are matched to the low-score detections (cost 1 − IoU, limit 0.5),
/// and the rest become lost; (3) tentative tracks (started in the previous frame) are matched to the high-score
/// detections left (limit 0.7) and confirmed, or removed; (4) high-score detections still unmatched start tentative
/// tracks (confirmed at once in the first frame); (5) lost tracks older than the buffer are removed, and a lost track
/// overlapping a tracked one (IoU above 0.85) is dropped, keeping the longer-lived one. Association is class-agnostic,
/// as in ByteTrack. Ids count from 1 per tracker, so they are unique within one video and the same on every run.
/// </summary>
public sealed class ByteTracker
{
    private readonly ByteTrackOptions options;
    private List<Track> tracked = [];
    private List<Track> lost = [];
    private int nextId = 1;

    /// <summary>A tracker with <paramref name="options"/> (validated).</summary>
    public ByteTracker(ByteTrackOptions? options = null)
    {
        this.options = options ?? new ByteTrackOptions();
        this.options.Validate();
    }

    /// <summary>Frames seen so far (the first is 1).</summary>
    public int Frame { get; private set; }

    /// <summary>Ids handed out so far (confirmed or not).</summary>
    public int IdsIssued => nextId - 1;

    /// <summary>The tracks currently tracked or lost, for inspection.</summary>
    public IReadOnlyList<TrackInfo> Tracks =>
        tracked.Concat(lost).Select(t => new TrackInfo(t.Id, t.State, t.Confirmed, t.Kalman.Box, t.StartFrame, t.LastFrame)).ToList();

    /// <summary>Associates one frame's detections; returns, per detection, the id of the confirmed track it belongs to, or null.</summary>
    public int?[] Update(IReadOnlyList<DetectedObject> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        return Update(detections.Select(d => new TrackBox(d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax, d.Score)).ToList());
    }

    /// <summary>Associates one frame's boxes; returns, per box, the id of the confirmed track it belongs to, or null.</summary>
    public int?[] Update(IReadOnlyList<TrackBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        Frame++;
        var assigned = new Track?[boxes.Count];
        var high = new List<int>();
        var low = new List<int>();
        for (var i = 0; i < boxes.Count; i++)
        {
            if (boxes[i].Score > options.HighThreshold) high.Add(i);
            else if (boxes[i].Score > options.LowThreshold) low.Add(i);
        }

        var unconfirmed = tracked.Where(t => !t.Confirmed).ToList();
        var pool = tracked.Where(t => t.Confirmed).Concat(lost).ToList();
        foreach (var t in pool) t.Predict();
        var activated = new List<Track>();
        var newlyLost = new List<Track>();
        var removed = new List<Track>();

        // A matched track takes its detection's box and becomes the owner of that detection this frame.
        void Accept(AssignmentResult result, List<Track> tracks, List<int> detections)
        {
            foreach (var (row, col) in result.Matches)
            {
                var det = detections[col];
                tracks[row].Update(boxes[det], Frame);
                assigned[det] = tracks[row];
                activated.Add(tracks[row]);
            }
        }

        // (1) Confirmed and lost tracks against the high-score detections.
        var first = LinearAssignment.Solve(Costs(pool, boxes, high, options.FuseScore), options.MatchThreshold);
        Accept(first, pool, high);
        var remainingHigh = first.UnmatchedColumns.Select(c => high[c]).ToList();

        // (2) Tracks tracked until the last frame and still unmatched, against the low-score detections.
        var stillTracked = first.UnmatchedRows.Select(r => pool[r]).Where(t => t.State == TrackState.Tracked).ToList();
        var second = LinearAssignment.Solve(Costs(stillTracked, boxes, low, fuse: false), options.SecondMatchThreshold);
        Accept(second, stillTracked, low);
        foreach (var row in second.UnmatchedRows)
        {
            stillTracked[row].State = TrackState.Lost;
            newlyLost.Add(stillTracked[row]);
        }

        // (3) Tentative tracks against the high-score detections left.
        var third = LinearAssignment.Solve(Costs(unconfirmed, boxes, remainingHigh, options.FuseScore), options.UnconfirmedMatchThreshold);
        Accept(third, unconfirmed, remainingHigh);
        foreach (var row in third.UnmatchedRows)
        {
            unconfirmed[row].State = TrackState.Removed;
            removed.Add(unconfirmed[row]);
        }

        // (4) New tracks from confident detections nobody took.
        foreach (var det in third.UnmatchedColumns.Select(c => remainingHigh[c]))
        {
            if (boxes[det].Score < options.NewTrackThreshold) continue;
            var track = new Track(nextId++, boxes[det], Frame, confirmed: Frame == 1);
            assigned[det] = track;
            activated.Add(track);
        }

        // (5) Forget lost tracks past the buffer; rebuild the lists as ByteTrack's joint/sub steps do.
        foreach (var t in lost)
        {
            if (t.State == TrackState.Lost && Frame - t.LastFrame > options.MaxTimeLost)
            {
                t.State = TrackState.Removed;
                removed.Add(t);
            }
        }
        var nextTracked = new List<Track>();
        var ids = new HashSet<int>();
        foreach (var t in tracked.Where(t => t.State == TrackState.Tracked).Concat(activated))
        {
            if (t.State == TrackState.Tracked && ids.Add(t.Id)) nextTracked.Add(t);
        }
        var nextLost = lost.Concat(newlyLost).Where(t => t.State == TrackState.Lost && !ids.Contains(t.Id)).DistinctBy(t => t.Id).ToList();
        (tracked, lost) = RemoveDuplicates(nextTracked, nextLost);

        var output = tracked.Where(t => t.Confirmed).Select(t => t.Id).ToHashSet();
        var result = new int?[boxes.Count];
        for (var i = 0; i < boxes.Count; i++)
        {
            if (assigned[i] is { } t && output.Contains(t.Id)) result[i] = t.Id;
        }
        return result;
    }

    /// <summary>Cost matrix tracks x chosen detections: 1 − IoU, or with <paramref name="fuse"/> 1 − IoU × score.</summary>
    private static double[,] Costs(List<Track> tracks, IReadOnlyList<TrackBox> boxes, List<int> columns, bool fuse)
    {
        var cost = new double[tracks.Count, columns.Count];
        for (var i = 0; i < tracks.Count; i++)
        {
            var (x0, y0, x1, y1) = tracks[i].Kalman.Box;
            for (var j = 0; j < columns.Count; j++)
            {
                var b = boxes[columns[j]];
                var iou = TrackBox.Iou(x0, y0, x1, y1, b.XMin, b.YMin, b.XMax, b.YMax);
                cost[i, j] = 1 - (fuse ? iou * b.Score : iou);
            }
        }
        return cost;
    }

    /// <summary>ByteTrack's remove_duplicate_stracks: a tracked and a lost track with IoU above 0.85 are one; the younger goes.</summary>
    private static (List<Track> Tracked, List<Track> Lost) RemoveDuplicates(List<Track> a, List<Track> b)
    {
        var dropA = new HashSet<int>();
        var dropB = new HashSet<int>();
        for (var p = 0; p < a.Count; p++)
        {
            var (ax0, ay0, ax1, ay1) = a[p].Kalman.Box;
            for (var q = 0; q < b.Count; q++)
            {
                var (bx0, by0, bx1, by1) = b[q].Kalman.Box;
                if (1 - TrackBox.Iou(ax0, ay0, ax1, ay1, bx0, by0, bx1, by1) >= 0.15) continue;
                var timeP = a[p].LastFrame - a[p].StartFrame;
                var timeQ = b[q].LastFrame - b[q].StartFrame;
                if (timeP > timeQ) dropB.Add(q);
                else dropA.Add(p);
            }
        }
        return (a.Where((_, i) => !dropA.Contains(i)).ToList(), b.Where((_, i) => !dropB.Contains(i)).ToList());
    }

    private sealed class Track(int id, TrackBox first, int frame, bool confirmed)
    {
        public int Id { get; } = id;

        public KalmanState Kalman { get; private set; } = KalmanBoxFilter.Initiate(KalmanBoxFilter.Measure(first.XMin, first.YMin, first.XMax, first.YMax));

        public TrackState State { get; set; } = TrackState.Tracked;

        public bool Confirmed { get; private set; } = confirmed;

        public int StartFrame { get; } = frame;

        public int LastFrame { get; private set; } = frame;

        public void Predict()
        {
            var state = Kalman;
            if (State != TrackState.Tracked)
            {
                // ByteTrack stops a lost track's height from drifting: its height velocity is zeroed before predicting.
                var mean = (double[])state.Mean.Clone();
                mean[7] = 0;
                state = state with { Mean = mean };
            }
            Kalman = KalmanBoxFilter.Predict(state);
        }

        /// <summary>A match: the filter takes the detection, and the track is tracked and confirmed (ByteTrack's update and re_activate).</summary>
        public void Update(TrackBox box, int frame)
        {
            Kalman = KalmanBoxFilter.Update(Kalman, KalmanBoxFilter.Measure(box.XMin, box.YMin, box.XMax, box.YMax));
            State = TrackState.Tracked;
            Confirmed = true;
            LastFrame = frame;
        }
    }
}

/// <summary>A snapshot of one of <see cref="ByteTracker"/>'s tracks.</summary>
/// <param name="Id">The track id.</param>
/// <param name="State">Tracked or lost.</param>
/// <param name="Confirmed">Whether the track has been reported (matched twice, or started in the first frame).</param>
/// <param name="Box">The Kalman filter's current box (corners).</param>
/// <param name="StartFrame">The frame it started in (1-based).</param>
/// <param name="LastFrame">The last frame it was matched in.</param>
public sealed record TrackInfo(int Id, TrackState State, bool Confirmed, (double XMin, double YMin, double XMax, double YMax) Box, int StartFrame, int LastFrame);
