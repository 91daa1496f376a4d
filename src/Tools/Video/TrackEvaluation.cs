using System.Globalization;
using System.Text.Json;
using SsdLite.Tracking;

namespace SsdLite.Tools.Video;

/// <summary>
/// A tracked run of <c>detect --track --jsonl</c> against the ground truth of <c>synth --video</c> (shapes.json): each
/// entry's detections that carry a track id are the tracker's boxes for that frame, the truth's objects (inclusive pixel
/// corners) the objects, and MotMetrics gives CLEAR MOT and IDF1. Only the frames the run reported are compared (so
/// --vid-stride and --max-frames runs compare what they read); detections without a confirmed track are not reported
/// tracks and are left out, as trackers' outputs leave them out.
/// </summary>
public static class TrackEvaluation
{
    /// <summary>The metrics of <paramref name="tracksPath"/> (JSONL) against <paramref name="truthPath"/>; a clear error names the file at fault.</summary>
    public static MotResult Run(string truthPath, string tracksPath, double iouThreshold = 0.5)
    {
        var truth = ReadTruth(truthPath);
        var (frames, hypotheses) = ReadTracks(tracksPath, truth.Count);
        return MotMetrics.Compute(frames.Select(f => truth[f]).ToList(), hypotheses, iouThreshold);
    }

    /// <summary>Per frame index, the ground-truth boxes; the corners become exclusive (x1 + 1), as the detector's boxes are.</summary>
    private static List<IReadOnlyList<TrackedBox>> ReadTruth(string path)
    {
        using var doc = Parse(path, File.ReadAllText(Existing(path, "ground truth")));
        var list = new List<IReadOnlyList<TrackedBox>>();
        if (!doc.RootElement.TryGetProperty("frames", out var frames) || frames.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: no \"frames\" array (expected the shapes.json of ssdlite synth --video)");
        foreach (var frame in frames.EnumerateArray())
        {
            var index = Int(frame, "frame", path);
            if (index != list.Count) throw new InvalidDataException($"{path}: frame {index} where frame {list.Count} was expected");
            var boxes = new List<TrackedBox>();
            foreach (var o in Array(frame, "objects", path))
            {
                var box = Corners(o, path);
                boxes.Add(new TrackedBox(Int(o, "track_id", path), box[0], box[1], box[2] + 1, box[3] + 1));
            }
            list.Add(boxes);
        }
        return list;
    }

    private static (List<int> Frames, List<IReadOnlyList<TrackedBox>> Hypotheses) ReadTracks(string path, int truthFrames)
    {
        var frames = new List<int>();
        var hypotheses = new List<IReadOnlyList<TrackedBox>>();
        bool tracked = false, detected = false;
        var line = 0;
        foreach (var text in File.ReadLines(Existing(path, "tracks")))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            using var doc = Parse($"{path} line {line}", text);
            var entry = doc.RootElement;
            if (entry.TryGetProperty("error", out var error)) throw new InvalidDataException($"{path} line {line}: the run reported an error: {error}");
            if (!entry.TryGetProperty("frame", out _)) throw new InvalidDataException($"{path} line {line}: not a video frame's entry (no \"frame\")");
            var index = Int(entry, "frame", $"{path} line {line}");
            if (index < 0 || index >= truthFrames) throw new InvalidDataException($"{path} line {line}: frame {index}, but the ground truth has {truthFrames} frames");
            if (frames.Count > 0 && index <= frames[^1]) throw new InvalidDataException($"{path} line {line}: frame {index} after frame {frames[^1]} (one video, in order)");
            var boxes = new List<TrackedBox>();
            foreach (var d in Array(entry, "detections", $"{path} line {line}"))
            {
                detected = true;
                if (!d.TryGetProperty("track_id", out var id)) continue;
                tracked = true;
                if (id.ValueKind != JsonValueKind.Number) continue;
                var box = Corners(d, $"{path} line {line}");
                boxes.Add(new TrackedBox(id.GetInt32(), box[0], box[1], box[2], box[3]));
            }
            frames.Add(index);
            hypotheses.Add(boxes);
        }
        if (frames.Count == 0) throw new InvalidDataException($"{path}: no frame entries");
        if (detected && !tracked) throw new InvalidDataException($"{path}: no detection has a \"track_id\": run detect with --track");
        return (frames, hypotheses);
    }

    private static string Existing(string path, string what) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"no such file: {path} ({what})", path);

    private static JsonDocument Parse(string where, string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not JSON: {e.Message}");
        }
    }

    private static int Int(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)
            ? n
            : throw new InvalidDataException($"{where}: \"{name}\" missing or not an integer");

    private static JsonElement.ArrayEnumerator Array(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray()
            : throw new InvalidDataException($"{where}: \"{name}\" missing or not an array");

    private static float[] Corners(JsonElement e, string where)
    {
        if (!e.TryGetProperty("box", out var box) || box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4
            || box.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.Number))
            throw new InvalidDataException($"{where}: \"box\" is not four numbers");
        return box.EnumerateArray().Select(c => c.GetSingle()).ToArray();
    }

    /// <summary>"MOTA 0.812, IDF1 0.790, MOTP 0.83, 3 id switches, ..." for the console.</summary>
    public static string Describe(MotResult r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Frames} frames, {r.GroundTruth} ground-truth boxes, {r.Hypotheses} tracked boxes: MOTA {r.Mota:F3}, IDF1 {r.Idf1:F3}, MOTP (IoU) {r.Motp:F3}, " +
        $"{r.IdSwitches} id switches, {r.FalsePositives} false positives, {r.Misses} misses, recall {r.Recall:F3}, precision {r.Precision:F3}");
}
