using System.Text.Json;

namespace SsdLite.Tools.Tests;

/// <summary>
/// track-eval reads a synth --video ground truth and a detect --track JSONL and reports CLEAR MOT and IDF1: a
/// hand-counted case, and named errors for a run without track ids and a missing file.
/// </summary>
public sealed class TrackEvalCommandTests
{
    // Object 1 at [10,10]-[29,29] (inclusive, so [10,10,30,30) as the detector's corners are) in frames 0-2; object 2 at
    // [60,10]-[79,29] in frames 0-1.
    private const string Truth = """
        {"video": "shapes.mp4", "width": 100, "height": 60, "fps": 10, "labels": ["circle"], "frames": [
          {"frame": 0, "time": 0, "objects": [{"track_id": 1, "label": "circle", "class_id": 1, "box": [10, 10, 29, 29]},
                                              {"track_id": 2, "label": "circle", "class_id": 1, "box": [60, 10, 79, 29]}]},
          {"frame": 1, "time": 0.1, "objects": [{"track_id": 1, "label": "circle", "class_id": 1, "box": [10, 10, 29, 29]},
                                                {"track_id": 2, "label": "circle", "class_id": 1, "box": [60, 10, 79, 29]}]},
          {"frame": 2, "time": 0.2, "objects": [{"track_id": 1, "label": "circle", "class_id": 1, "box": [10, 10, 29, 29]}]}]}
        """;

    // Track 7 follows object 1 (shifted by 2 px in frame 2); object 2 is track 8, then track 9 (an id switch); frame 2
    // has a stray track 10 (a false positive) and an untracked detection (null id: not reported, so not counted).
    private static readonly string[] Tracks =
    [
        """{"image": "shapes.mp4", "frame": 0, "time": 0, "width": 100, "height": 60, "detections": [{"label": "circle", "class_id": 1, "score": 0.9, "box": [10, 10, 30, 30], "track_id": 7}, {"label": "circle", "class_id": 1, "score": 0.9, "box": [60, 10, 80, 30], "track_id": 8}]}""",
        """{"image": "shapes.mp4", "frame": 1, "time": 0.1, "width": 100, "height": 60, "detections": [{"label": "circle", "class_id": 1, "score": 0.9, "box": [10, 10, 30, 30], "track_id": 7}, {"label": "circle", "class_id": 1, "score": 0.9, "box": [60, 10, 80, 30], "track_id": 9}]}""",
        """{"image": "shapes.mp4", "frame": 2, "time": 0.2, "width": 100, "height": 60, "detections": [{"label": "circle", "class_id": 1, "score": 0.9, "box": [12, 10, 32, 30], "track_id": 7}, {"label": "circle", "class_id": 1, "score": 0.8, "box": [60, 35, 80, 55], "track_id": 10}, {"label": "circle", "class_id": 1, "score": 0.3, "box": [60, 10, 80, 30], "track_id": null}]}""",
    ];

    [Fact]
    public void AHandCountedRunGivesItsMotaIdf1MotpAndIdSwitch()
    {
        using var folder = new TempFolder("track-eval");
        File.WriteAllText(folder["shapes.json"], Truth);
        File.WriteAllLines(folder["run.jsonl"], Tracks);
        var (code, output, error) = CommandTests.Invoke("track-eval", "--truth", folder["shapes.json"], "--tracks", folder["run.jsonl"], "--json", folder["m.json"]);
        Assert.True(code == 0, error);
        Assert.Contains("MOTA 0.600, IDF1 0.727", output, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(File.ReadAllText(folder["m.json"]));
        var m = doc.RootElement;
        Assert.Equal(3, m.GetProperty("frames").GetInt32());
        Assert.Equal(5, m.GetProperty("ground_truth").GetInt32());
        Assert.Equal(6, m.GetProperty("hypotheses").GetInt32());
        // 5 objects matched, 1 false positive, 1 id switch: MOTA = 1 - (0 + 1 + 1) / 5.
        Assert.Equal(1, m.GetProperty("id_switches").GetInt32());
        Assert.Equal(1, m.GetProperty("false_positives").GetInt32());
        Assert.Equal(0, m.GetProperty("misses").GetInt32());
        Assert.Equal(0.6, m.GetProperty("mota").GetDouble(), 12);
        // IDF1: 1<->7 (3 frames) and 2<->8 or 2<->9 (1 frame): IDTP 4, IDFN 1, IDFP 2, so 8 / (8 + 2 + 1).
        Assert.Equal(4, m.GetProperty("idtp").GetInt32());
        Assert.Equal(8.0 / 11, m.GetProperty("idf1").GetDouble(), 12);
        // MOTP: four exact pairs and one of IoU 360 / 440 (20x20 boxes 2 px apart).
        Assert.Equal((4 + (360.0 / 440)) / 5, m.GetProperty("motp").GetDouble(), 6);
    }

    [Fact]
    public void ARunWithoutTrackIdsAndAMissingFileAreNamedErrors()
    {
        using var folder = new TempFolder("track-eval-bad");
        File.WriteAllText(folder["shapes.json"], Truth);
        File.WriteAllLines(folder["untracked.jsonl"], Tracks.Select(t => t.Replace(", \"track_id\": 7", "").Replace(", \"track_id\": 8", "")
            .Replace(", \"track_id\": 9", "").Replace(", \"track_id\": 10", "").Replace(", \"track_id\": null", "")));
        var (code, _, error) = CommandTests.Invoke("track-eval", "--truth", folder["shapes.json"], "--tracks", folder["untracked.jsonl"]);
        Assert.NotEqual(0, code);
        Assert.Contains("untracked.jsonl: no detection has a \"track_id\": run detect with --track", error, StringComparison.Ordinal);
        (code, _, error) = CommandTests.Invoke("track-eval", "--truth", folder["none.json"], "--tracks", folder["untracked.jsonl"]);
        Assert.NotEqual(0, code);
        Assert.Contains($"no such file: {folder["none.json"]}", error, StringComparison.Ordinal);
    }
}
