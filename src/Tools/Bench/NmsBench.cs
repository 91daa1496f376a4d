using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SsdLite.Data;
using SsdLite.Data.Synthetic;
using SsdLite.Detection.Models;
using SsdLite.Export;
using SsdLite.Runtime;
using SsdLite.Tools.Models;
using SsdLite.Vision;

namespace SsdLite.Tools.Bench;

/// <summary>
/// What NMS in the graph costs against SsdLite's own post-processing. One network is exported plain and with
/// <c>--nms</c> at each score threshold (detect's 0.4, and a low one whose every class keeps its full 200 candidates),
/// both run in ONNX Runtime sessions with the same options on the same decoded synthetic images, alternated round by
/// round, each timed call after one untimed call of the same model: (a) the plain model's scores and boxes through
/// <see cref="PostProcessor"/>, as <see cref="OnnxDetector"/> detects with a plain model, its run and its
/// post-processing timed apart; (b) the NMS model through <see cref="OnnxDetector"/>, which reads the graph's
/// detections. Reported per image: (a), (b), b/a round by round, the post-processing alone, and the NMS model's time over
/// the plain run (b minus a's run), which is what the graph's NMS costs in its place. That difference of two calls is
/// as noisy as the network, so the graph's NMS is also timed alone (<see cref="NmsTail"/>: the same nodes, fed the plain
/// run's scores and boxes, in a session with the same options) against the post-processing of the same round's output.
/// </summary>
public static class NmsBench
{
    private const string Part = "nms";

    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ssdlite-nms-bench-{Environment.ProcessId}");
        try
        {
            var images = DecodedImages(Path.Combine(folder, "images"), settings.InferenceBatchSizes.Max());
            var plainPath = Path.Combine(folder, "plain.onnx");
            var nmsPaths = new Dictionary<float, string>();
            using (var model = CreateModel(settings))
            {
                OnnxExporter.Export(model, plainPath, new OnnxExportOptions { WriteLabels = false });
                foreach (var threshold in settings.NmsScoreThresholds)
                {
                    var path = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"nms-{threshold}.onnx"));
                    OnnxExporter.Export(model, path, new OnnxExportOptions { WriteLabels = false, Nms = new NmsExportOptions { ScoreThreshold = threshold } });
                    nmsPaths[threshold] = path;
                    NmsTail.Write(path, TailPath(path));
                }
            }
            var threads = settings.Threads > 0 ? settings.Threads : torch.get_num_threads();
            var options = new OnnxDetectorOptions { IntraOpThreads = threads };
            using var plain = ModelFile.Open(plainPath).Load(new OnnxDetectorRequest(options));
            var rows = new List<Measurement>();
            foreach (var threshold in settings.NmsScoreThresholds)
            {
                using var nms = ModelFile.Open(nmsPaths[threshold]).Load(new OnnxDetectorRequest(options));
                using var tailOptions = TailOptions(threads);
                using var tail = new InferenceSession(TailPath(nmsPaths[threshold]), tailOptions);
                var post = ClassLabels.PostProcessorFor(plain, threshold);
                nms.PostProcessor = ClassLabels.PostProcessorFor(nms, threshold);
                foreach (var batch in settings.InferenceBatchSizes)
                    rows.AddRange(RunCase(settings, new Pair(plain, post, nms, tail), images.Take(batch).ToList(), threshold, threads));
            }
            return rows;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Pair(OnnxDetector Plain, PostProcessor Post, OnnxDetector Nms, InferenceSession Tail);

    private static string TailPath(string nmsPath) => Path.ChangeExtension(nmsPath, ".tail.onnx");

    // As OnnxDetector opens its sessions (OnnxDetectorOptions' defaults: all graph optimisations, no spinning).
    private static SessionOptions TailOptions(int threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    // The NMS tail on a plain run's scores and boxes, its rows read as OnnxDetector reads an NMS model's.
    private static int RunTail(Pair pair, RawPredictions raw, IReadOnlyList<(int Width, int Height)> originals)
    {
        var batch = raw.BatchSize;
        using var scores = OrtValue.CreateTensorValueFromMemory(raw.Scores, [batch, raw.PriorCount, raw.ClassCountWithBackground]);
        using var boxes = OrtValue.CreateTensorValueFromMemory(raw.Boxes, [batch, raw.PriorCount, 4]);
        using var runOptions = new RunOptions();
        using var outputs = pair.Tail.Run(runOptions, [OnnxConventions.ScoresName, OnnxConventions.BoxesName], [scores, boxes],
            [OnnxConventions.NumDetectionsName, OnnxConventions.DetectionBoxesName, OnnxConventions.DetectionScoresName, OnnxConventions.DetectionClassesName]);
        var k = pair.Nms.MaxDetections!.Value;
        var found = 0;
        for (var i = 0; i < batch; i++)
        {
            found += pair.Nms.PostProcessor.ProcessNmsRows(outputs[0].GetTensorDataAsSpan<int>()[i], outputs[1].GetTensorDataAsSpan<float>().Slice(i * k * 4, k * 4),
                outputs[2].GetTensorDataAsSpan<float>().Slice(i * k, k), outputs[3].GetTensorDataAsSpan<int>().Slice(i * k, k), originals[i].Width, originals[i].Height).Count;
        }
        return found;
    }

    private static SsdLiteModel CreateModel(BenchSettings settings)
    {
        if (settings.DetectWeights is { } weights)
            return ModelFile.Open(weights, settings.DetectLabels, settings.Arch).Load(new NetworkRequest());
        torch.manual_seed(1);
        var model = BenchModels.Create(settings);
        model.eval();
        return model;
    }

    // Real JPEGs, decoded once: the cases time the network and what follows it, not the decoder.
    private static IReadOnlyList<Image> DecodedImages(string root, int count)
    {
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = count, Width = 500, Height = 375, Seed = 6, TrainFraction = 1, ValFraction = 0 }, root);
        return [.. Directory.GetFiles(Path.Combine(root, "JPEGImages"), "*.jpg").Order(StringComparer.Ordinal).Take(count).Select(ImageIO.Read)];
    }

    private static IEnumerable<Measurement> RunCase(BenchSettings settings, Pair pair, IReadOnlyList<Image> images, float threshold, int threads)
    {
        var batch = images.Count;
        var input = pair.Plain.Preprocess(images);
        var originals = images.Select(i => (i.Width, i.Height)).ToList();
        var plainFound = 0;
        var nmsFound = 0;
        var tailFound = 0;
        RawPredictions? raw = null;
        (double Run, double Post) Plain()
        {
            var start = Stopwatch.GetTimestamp();
            raw = pair.Plain.Predict(input, batch);
            var ran = Stopwatch.GetTimestamp();
            plainFound = 0;
            for (var i = 0; i < batch; i++)
                plainFound += pair.Post.Process(raw.ScoresOf(i), raw.BoxesOf(i), raw.ClassCountWithBackground, originals[i].Width, originals[i].Height).Count;
            return (Ms(start, ran), Ms(ran, Stopwatch.GetTimestamp()));
        }
        double Tail()
        {
            var start = Stopwatch.GetTimestamp();
            tailFound = RunTail(pair, raw!, originals);
            return Ms(start, Stopwatch.GetTimestamp());
        }
        double Nms()
        {
            var start = Stopwatch.GetTimestamp();
            nmsFound = pair.Nms.Detect(input, originals).Sum(d => d.Count);
            return Ms(start, Stopwatch.GetTimestamp());
        }

        for (var w = 0; w < settings.Warmup; w++)
        {
            Plain();
            Nms();
            Tail();
        }
        List<double> runs = [], posts = [], plains = [], nmss = [], ratios = [], extras = [], tails = [], tailRatios = [];
        for (var i = 0; i < settings.Iterations; i++)
        {
            Plain(); // settle: the other session's threads have gone quiet before the timed call
            var (run, postMs) = Plain();
            Nms();
            var nmsMs = Nms();
            runs.Add(run / batch);
            posts.Add(postMs / batch);
            plains.Add((run + postMs) / batch);
            nmss.Add(nmsMs / batch);
            ratios.Add(nmsMs / (run + postMs));
            extras.Add((nmsMs - run) / batch);
            Tail();
            var tailMs = Tail(); // on the scores and boxes of the round's timed plain run
            tails.Add(tailMs / batch);
            tailRatios.Add(tailMs / postMs);
        }
        if (tailFound != nmsFound)
            throw new InvalidOperationException($"the NMS tail found {tailFound} detections where the NMS model found {nmsFound}: the two graphs differ");
        var name = string.Create(CultureInfo.InvariantCulture, $"batch {batch}, score > {threshold}");
        var extra = Measurement.FromSamples(Part, $"{name}, NMS model over the plain run", extras, "ms", 0);
        var postAlone = Measurement.FromSamples(Part, $"{name}, SsdLite post-processing alone", posts, "ms", 1);
        return
        [
            Measurement.FromSamples(Part, $"{name}, plain ONNX + SsdLite post-processing, {threads} threads", plains, "ms", 1),
            Measurement.FromSamples(Part, $"{name}, NMS model (in-graph NMS), {threads} threads", nmss, "ms", 1),
            Measurement.FromSamples(Part, $"{name}, NMS model over plain + post-processing (x)", ratios, "x", 0),
            Measurement.FromSamples(Part, $"{name}, plain ONNX run alone", runs, "ms", 1),
            postAlone,
            extra,
            MediansRatio($"{name}, in-graph NMS's extra over SsdLite post-processing (x)", extra, postAlone),
            Measurement.FromSamples(Part, $"{name}, NMS tail alone (ONNX Runtime, same nodes), {threads} threads", tails, "ms", 1),
            Measurement.FromSamples(Part, $"{name}, NMS tail alone over SsdLite post-processing (x)", tailRatios, "x", 0),
            Count($"{name}, detections per image, SsdLite post-processing", (double)plainFound / batch),
            Count($"{name}, detections per image, NMS model (K {pair.Nms.MaxDetections})", (double)nmsFound / batch),
        ];
    }

    // The ratio of two rows' medians, with the extremes their ranges allow: a round's NMS extra is a difference of two
    // calls and may be near zero or below it, so a per-round ratio would be noise.
    private static Measurement MediansRatio(string @case, Measurement over, Measurement under)
    {
        double[] corners = [over.Min / under.Max, over.Min / under.Min, over.Max / under.Max, over.Max / under.Min];
        return new(Part, @case, over.Median / under.Median, corners.Min(), corners.Max(), "x", over.Samples, null);
    }

    private static Measurement Count(string @case, double perImage) => new(Part, @case, perImage, perImage, perImage, "detections", 1, null);

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;
}
