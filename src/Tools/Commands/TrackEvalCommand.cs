using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SsdLite.Tools.Video;
using SsdLite.Vision;

namespace SsdLite.Tools.Commands;

/// <summary>
/// <c>ssdlite track-eval --truth DIR/shapes.json --tracks RUN.jsonl [--iou 0.5] [--json FILE]</c>: MOTA, IDF1, MOTP and
/// id switches of a <c>detect --track --jsonl</c> run on a <c>synth --video</c> clip against its ground truth
/// (<see cref="TrackEvaluation"/>). Needs no tensor, so it never loads libtorch.
/// </summary>
internal static class TrackEvalCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "The clip's ground truth: the shapes.json of ssdlite synth --video", Required = true };
        var tracks = new Option<string>("--tracks") { Description = "The tracked run: the --jsonl file of ssdlite detect --track on that clip", Required = true };
        var iou = new Option<double>("--iou") { Description = "IoU at which a tracked box matches an object", DefaultValueFactory = _ => 0.5 };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
        var command = new Command("track-eval", "Tracking against ground truth: MOTA, IDF1, MOTP and id switches (CLEAR MOT; Ristani et al.)")
        {
            truth, tracks, iou, json,
        };
        command.SetAction(r => CommandRunner.Run("track-eval", () =>
        {
            var threshold = r.GetValue(iou);
            if (!(threshold > 0) || threshold > 1) throw new ArgumentException($"--iou must be in (0, 1], got {threshold.ToString(CultureInfo.InvariantCulture)}");
            var result = TrackEvaluation.Run(r.GetValue(truth)!, r.GetValue(tracks)!, threshold);
            Console.WriteLine($"track-eval: {TrackEvaluation.Describe(result)}");
            if (r.GetValue(json) is { } path) AtomicFile.WriteAllText(path, ToJson(result, threshold));
            return 0;
        }));
        return command;
    }

    private static string ToJson(Tracking.MotResult r, double iou) => JsonSerializer.Serialize(new
    {
        iou,
        frames = r.Frames,
        ground_truth = r.GroundTruth,
        hypotheses = r.Hypotheses,
        mota = r.Mota,
        idf1 = r.Idf1,
        motp = r.Motp,
        id_switches = r.IdSwitches,
        false_positives = r.FalsePositives,
        misses = r.Misses,
        recall = r.Recall,
        precision = r.Precision,
        idtp = r.Idtp,
        idfp = r.Idfp,
        idfn = r.Idfn,
    }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });
}
