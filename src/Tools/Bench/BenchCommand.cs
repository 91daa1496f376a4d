using System.CommandLine;
using SsdLite.Tools.Commands;

namespace SsdLite.Tools.Bench;

/// <summary><c>ssdlite bench</c>: inference latency, training step time, loader throughput, detect latency, ONNX Runtime beside TorchSharp, in-graph NMS against SsdLite's post-processing, and video against images.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var parts = new Option<string[]>("--part", "-p")
        {
            Description = "What to measure: inference, train, loader, detect, onnx (ONNX Runtime beside TorchSharp), nms (in-graph NMS against SsdLite's post-processing), video (a 720p file against its frames as JPEGs; needs ffmpeg) or all (every part but video; repeatable)",
            DefaultValueFactory = _ => ["all"],
            AllowMultipleArgumentsPerToken = true,
        };
        parts.AcceptOnlyFromAmong("inference", "train", "loader", "detect", "onnx", "nms", "video", "all");
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: the process default, SSDLITE_NUM_THREADS or the core count)" };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed repetitions per case (median reported)", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed repetitions first", DefaultValueFactory = _ => 3 };
        var batchSizes = new Option<int[]>("--batch-sizes") { Description = "Inference batch sizes", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var trainBatchSizes = new Option<int[]>("--train-batch-sizes") { Description = "Training batch sizes", DefaultValueFactory = _ => [16, 32], AllowMultipleArgumentsPerToken = true };
        var trainPrecisions = new Option<string[]>("--train-precisions") { Description = "Precisions of the channels-last training step: fp32, bf16 (the NCHW step is fp32)", DefaultValueFactory = _ => ["fp32"], AllowMultipleArgumentsPerToken = true };
        trainPrecisions.AcceptOnlyFromAmong("fp32", "bf16");
        var trainBreakdown = new Option<bool>("--train-breakdown") { Description = "Also time each channels-last training step's phases: forward, loss, backward, optimizer, host" };
        var trainFreeze = new Option<bool>("--train-freeze") { Description = "Also time the fp32 channels-last training step with freeze_base_net, for the ratio to full training" };
        var arch = ArchOption.Create("The detector the inference and train parts measure (default mb2-ssd-lite), and of --detect-weights when its keys do not tell");
        var width = new Option<double>("--width") { Description = "Width multiplier", DefaultValueFactory = _ => 1.0 };
        var inputSize = new Option<int>("--input-size") { Description = "Square input size", DefaultValueFactory = _ => 300 };
        var loaderImages = new Option<int>("--loader-images") { Description = "Synthetic 500x375 JPEGs for the loader part", DefaultValueFactory = _ => 96 };
        var workers = new Option<int[]>("--workers") { Description = "Loader worker counts to measure", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var mallocDefaults = new Option<bool>("--glibc-malloc-defaults") { Description = "Undo the engine's mallopt tuning first (to measure what it is worth)" };
        var detectWeights = new Option<string?>("--detect-weights") { Description = "Checkpoint or reference .pth for the detect part (default: random weights)" };
        var detectLabels = new Option<string?>("--detect-labels") { Description = "Labels file for reference .pth weights" };
        var detectImages = new Option<string?>("--detect-images") { Description = "Folder, file or glob of images for the detect part (default: synthetic JPEGs)" };
        var detectThroughput = new Option<int>("--detect-throughput-images") { Description = "Images per detect pipeline run in the throughput cases (0: skip them)", DefaultValueFactory = _ => 100 };
        var detectWorkers = new Option<int[]>("--detect-workers") { Description = "Decoding worker counts of the detect throughput cases", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var detectRounds = new Option<int>("--detect-rounds") { Description = "Timed runs per detect throughput case (median reported)", DefaultValueFactory = _ => 3 };
        var videoFrames = new Option<int>("--video-frames") { Description = "Frames of the video part's 720p clip", DefaultValueFactory = _ => 48 };
        var videoRounds = new Option<int>("--video-rounds") { Description = "Timed runs per video case (median reported)", DefaultValueFactory = _ => 3 };
        var nmsThresholds = new Option<float[]>("--nms-score-thresholds") { Description = "Score thresholds of the nms part's exports and post-processing", DefaultValueFactory = _ => [0.4f, 0.01f], AllowMultipleArgumentsPerToken = true };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results to this JSON file" };

        var command = new Command("bench", "Latency and throughput: inference, training step, data loader, detect per image and at scale")
        {
            parts, threads, iterations, warmup, batchSizes, trainBatchSizes, trainPrecisions, trainBreakdown, trainFreeze, arch, width, inputSize, loaderImages, workers, mallocDefaults,
            detectWeights, detectLabels, detectImages, detectThroughput, detectWorkers, detectRounds, videoFrames, videoRounds, nmsThresholds, json,
        };
        command.SetAction(result => Run(new BenchSettings
        {
            Parts = ParseParts(result.GetValue(parts) ?? []),
            Threads = result.GetValue(threads),
            Iterations = Math.Max(1, result.GetValue(iterations)),
            Warmup = Math.Max(0, result.GetValue(warmup)),
            InferenceBatchSizes = result.GetValue(batchSizes) ?? [1, 8],
            TrainBatchSizes = result.GetValue(trainBatchSizes) ?? [16, 32],
            TrainPrecisions = (result.GetValue(trainPrecisions) ?? ["fp32"]).Select(p => Enum.Parse<Training.TrainPrecision>(p, ignoreCase: true)).ToArray(),
            TrainBreakdown = result.GetValue(trainBreakdown),
            TrainFreeze = result.GetValue(trainFreeze),
            Arch = ArchOption.Value(result, arch),
            Width = result.GetValue(width),
            InputSize = result.GetValue(inputSize),
            LoaderImages = result.GetValue(loaderImages),
            LoaderWorkers = result.GetValue(workers) ?? [1, 2],
            DetectWeights = result.GetValue(detectWeights),
            DetectLabels = result.GetValue(detectLabels),
            DetectImages = result.GetValue(detectImages),
            DetectThroughputImages = Math.Max(0, result.GetValue(detectThroughput)),
            DetectWorkers = result.GetValue(detectWorkers) ?? [1, 2],
            DetectRounds = Math.Max(1, result.GetValue(detectRounds)),
            VideoFrames = Math.Max(1, result.GetValue(videoFrames)),
            VideoRounds = Math.Max(1, result.GetValue(videoRounds)),
            NmsScoreThresholds = result.GetValue(nmsThresholds) ?? [0.4f, 0.01f],
            JsonPath = result.GetValue(json)?.FullName,
            GlibcMallocDefaults = result.GetValue(mallocDefaults),
        }, Console.Out));
        return command;
    }

    public static BenchParts ParseParts(IEnumerable<string> names)
    {
        var parts = BenchParts.None;
        foreach (var name in names) parts |= Enum.Parse<BenchParts>(name, ignoreCase: true);
        return parts == BenchParts.None ? BenchParts.All : parts;
    }

    /// <summary>
    /// Runs the selected parts, printing each row as it is measured; returns the exit code. The thread count and
    /// malloc settings it measures under are the process's own, so they are put back afterwards: a host that calls
    /// this (a test run, an application) must not go on with one thread or untuned malloc.
    /// </summary>
    public static int Run(BenchSettings settings, TextWriter output)
    {
        TorchEngine.EnsureInitialized();
        var threads = torch.get_num_threads();
        try
        {
            if (settings.GlibcMallocDefaults) GlibcMalloc.RestoreDefaults();
            if (settings.Threads > 0) torch.set_num_threads(settings.Threads);
            return Measure(settings, output);
        }
        finally
        {
            torch.set_num_threads(threads);
            if (settings.GlibcMallocDefaults) GlibcMalloc.Tune();
        }
    }

    private static int Measure(BenchSettings settings, TextWriter output)
    {
        var machine = MachineInfo.Current();
        BenchReport.PrintHeader(output, machine, settings);
        var rows = new List<Measurement>();
        foreach (var (part, run) in Parts())
        {
            if (!settings.Parts.HasFlag(part)) continue;
            foreach (var row in run(settings))
            {
                rows.Add(row);
                BenchReport.PrintRow(output, row);
            }
        }
        if (settings.JsonPath is { } path) BenchReport.WriteJson(path, machine, settings, rows);
        return 0;
    }

    private static IEnumerable<(BenchParts part, Func<BenchSettings, IEnumerable<Measurement>> run)> Parts() =>
    [
        (BenchParts.Inference, InferenceBench.Run),
        (BenchParts.Train, TrainBench.Run),
        (BenchParts.Loader, LoaderBench.Run),
        (BenchParts.Detect, DetectBench.Run),
        (BenchParts.Onnx, OnnxBench.Run),
        (BenchParts.Nms, NmsBench.Run),
        (BenchParts.Video, VideoBench.Run),
    ];
}
