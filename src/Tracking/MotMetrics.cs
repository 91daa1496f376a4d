namespace SsdLite.Tracking;

/// <summary>One object in one frame, ground truth or hypothesis: its track id and box (corners, pixels).</summary>
/// <param name="Id">The track id.</param>
/// <param name="XMin">Left.</param>
/// <param name="YMin">Top.</param>
/// <param name="XMax">Right.</param>
/// <param name="YMax">Bottom.</param>
public readonly record struct TrackedBox(int Id, float XMin, float YMin, float XMax, float YMax);

/// <summary>The CLEAR MOT and identity figures of a tracking run against ground truth.</summary>
/// <param name="Frames">Frames compared.</param>
/// <param name="GroundTruth">Ground-truth boxes over all frames.</param>
/// <param name="Hypotheses">Tracker boxes over all frames.</param>
/// <param name="Matches">Ground-truth boxes matched (true positives).</param>
/// <param name="Misses">Ground-truth boxes unmatched (false negatives).</param>
/// <param name="FalsePositives">Tracker boxes unmatched.</param>
/// <param name="IdSwitches">Ground-truth objects matched to another hypothesis id than the last one they were matched to.</param>
/// <param name="Motp">Mean IoU of the matched pairs.</param>
/// <param name="Idtp">Identity true positives (IDF1's global id-to-id matching).</param>
/// <param name="Idfp">Identity false positives.</param>
/// <param name="Idfn">Identity false negatives.</param>
public sealed record MotResult(int Frames, int GroundTruth, int Hypotheses, int Matches, int Misses, int FalsePositives, int IdSwitches, double Motp,
    int Idtp, int Idfp, int Idfn)
{
    /// <summary>MOTA = 1 − (misses + false positives + id switches) / ground-truth boxes.</summary>
    public double Mota => GroundTruth == 0 ? double.NaN : 1 - ((double)(Misses + FalsePositives + IdSwitches) / GroundTruth);

    /// <summary>IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN).</summary>
    public double Idf1 => Idtp + Idfp + Idfn == 0 ? double.NaN : 2.0 * Idtp / ((2.0 * Idtp) + Idfp + Idfn);

    /// <summary>Detection recall: matches / ground-truth boxes.</summary>
    public double Recall => GroundTruth == 0 ? double.NaN : (double)Matches / GroundTruth;

    /// <summary>Detection precision: matches / tracker boxes.</summary>
    public double Precision => Hypotheses == 0 ? double.NaN : (double)Matches / Hypotheses;
}

/// <summary>
/// Multi-object tracking metrics from their published definitions. CLEAR MOT (Bernardin and Stiefelhagen, "Evaluating
/// Multiple Object Tracking Performance: The CLEAR MOT Metrics", 2008): frame by frame, the correspondences of the previous
/// frame are kept where they still overlap enough (IoU at least the threshold), the remaining objects and hypotheses are
/// matched at the greatest total IoU (Hungarian), a new correspondence of an object whose last one was another hypothesis
/// is an id switch, and unmatched objects and hypotheses are misses and false positives. IDF1 (Ristani et al.,
/// "Performance Measures and a Data Set for Multi-Target, Multi-Camera Tracking", 2016): ground-truth and tracker
/// trajectories are matched one to one so as to maximise the frames in which matched pairs overlap (IoU at least the
/// threshold); those frames are IDTP, the other ground-truth boxes IDFN and the other tracker boxes IDFP.
/// </summary>
public static class MotMetrics
{
    /// <summary>Compares <paramref name="hypotheses"/> with <paramref name="truth"/>, frame by frame (the lists align by index).</summary>
    public static MotResult Compute(IReadOnlyList<IReadOnlyList<TrackedBox>> truth, IReadOnlyList<IReadOnlyList<TrackedBox>> hypotheses, double iouThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(hypotheses);
        if (truth.Count != hypotheses.Count) throw new ArgumentException($"{truth.Count} ground-truth frames but {hypotheses.Count} tracker frames");
        if (!(iouThreshold > 0) || iouThreshold > 1) throw new ArgumentOutOfRangeException(nameof(iouThreshold), iouThreshold, "must be in (0, 1]");
        int gtTotal = 0, hypTotal = 0, matches = 0, misses = 0, fps = 0, switches = 0;
        double iouSum = 0;
        var current = new Dictionary<int, int>(); // object id -> hypothesis id it corresponded to in the previous frame
        var last = new Dictionary<int, int>(); // object id -> the last hypothesis id it ever corresponded to
        var overlaps = new Dictionary<(int Gt, int Hyp), int>();
        var gtLength = new Dictionary<int, int>();
        var hypLength = new Dictionary<int, int>();
        for (var f = 0; f < truth.Count; f++)
        {
            var gt = truth[f];
            var hyp = hypotheses[f];
            CheckUnique(gt, f, "ground-truth");
            CheckUnique(hyp, f, "tracker");
            gtTotal += gt.Count;
            hypTotal += hyp.Count;
            foreach (var g in gt) gtLength[g.Id] = gtLength.GetValueOrDefault(g.Id) + 1;
            foreach (var h in hyp) hypLength[h.Id] = hypLength.GetValueOrDefault(h.Id) + 1;
            var iou = new double[gt.Count, hyp.Count];
            for (var i = 0; i < gt.Count; i++)
            {
                for (var j = 0; j < hyp.Count; j++)
                {
                    iou[i, j] = TrackBox.Iou(gt[i].XMin, gt[i].YMin, gt[i].XMax, gt[i].YMax, hyp[j].XMin, hyp[j].YMin, hyp[j].XMax, hyp[j].YMax);
                    if (iou[i, j] >= iouThreshold) overlaps[(gt[i].Id, hyp[j].Id)] = overlaps.GetValueOrDefault((gt[i].Id, hyp[j].Id)) + 1;
                }
            }

            // CLEAR MOT step 1: keep last frame's correspondences that still hold.
            var gtMatched = new int[gt.Count];
            Array.Fill(gtMatched, -1);
            var hypTaken = new bool[hyp.Count];
            for (var i = 0; i < gt.Count; i++)
            {
                if (!current.TryGetValue(gt[i].Id, out var hid)) continue;
                for (var j = 0; j < hyp.Count; j++)
                {
                    if (hyp[j].Id == hid && iou[i, j] >= iouThreshold)
                    {
                        gtMatched[i] = j;
                        hypTaken[j] = true;
                    }
                }
            }
            // Step 2: the rest, at the greatest total IoU among pairs over the threshold.
            var freeGt = Enumerable.Range(0, gt.Count).Where(i => gtMatched[i] < 0).ToList();
            var freeHyp = Enumerable.Range(0, hyp.Count).Where(j => !hypTaken[j]).ToList();
            if (freeGt.Count > 0 && freeHyp.Count > 0)
            {
                // As py-motmetrics does: the most matches first, then the least total 1 - IoU. Each match saves between limit - 1
                // and limit against leaving its pair unmatched, so with limit > pairs + 1 one more match always wins.
                var limit = 2.0 * (Math.Min(freeGt.Count, freeHyp.Count) + 1);
                var cost = new double[freeGt.Count, freeHyp.Count];
                for (var a = 0; a < freeGt.Count; a++)
                {
                    for (var b = 0; b < freeHyp.Count; b++)
                    {
                        var v = iou[freeGt[a], freeHyp[b]];
                        cost[a, b] = v >= iouThreshold ? 1 - v : limit + 1;
                    }
                }
                var solved = LinearAssignment.Solve(cost, limit);
                foreach (var (a, b) in solved.Matches)
                {
                    if (iou[freeGt[a], freeHyp[b]] < iouThreshold) continue;
                    var i = freeGt[a];
                    var j = freeHyp[b];
                    gtMatched[i] = j;
                    hypTaken[j] = true;
                    if (last.TryGetValue(gt[i].Id, out var before) && before != hyp[j].Id) switches++;
                }
            }
            current.Clear();
            for (var i = 0; i < gt.Count; i++)
            {
                if (gtMatched[i] < 0)
                {
                    misses++;
                    continue;
                }
                var j = gtMatched[i];
                matches++;
                iouSum += iou[i, j];
                current[gt[i].Id] = hyp[j].Id;
                last[gt[i].Id] = hyp[j].Id;
            }
            fps += hypTaken.Count(t => !t);
        }

        // IDF1: one-to-one trajectory matching maximising the frames of overlap.
        var gtIds = gtLength.Keys.Order().ToList();
        var hypIds = hypLength.Keys.Order().ToList();
        var idtp = 0;
        if (gtIds.Count > 0 && hypIds.Count > 0)
        {
            var cost = new double[gtIds.Count, hypIds.Count];
            for (var a = 0; a < gtIds.Count; a++)
            {
                for (var b = 0; b < hypIds.Count; b++) cost[a, b] = -overlaps.GetValueOrDefault((gtIds[a], hypIds[b]));
            }
            var pairs = LinearAssignment.Minimize(cost);
            for (var a = 0; a < gtIds.Count; a++)
            {
                if (pairs[a] >= 0) idtp += overlaps.GetValueOrDefault((gtIds[a], hypIds[pairs[a]]));
            }
        }
        return new MotResult(truth.Count, gtTotal, hypTotal, matches, misses, fps, switches, matches == 0 ? double.NaN : iouSum / matches,
            idtp, hypTotal - idtp, gtTotal - idtp);
    }

    private static void CheckUnique(IReadOnlyList<TrackedBox> boxes, int frame, string what)
    {
        var seen = new HashSet<int>();
        foreach (var b in boxes)
        {
            if (!seen.Add(b.Id)) throw new ArgumentException($"frame {frame}: {what} id {b.Id} appears twice");
        }
    }
}
