using SsdLite.Data.Synthetic;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Export;
using SsdLite.Export.Quantization;
using SsdLite.Runtime;
using SsdLite.Tools.Models;

namespace SsdLite.Tools.Bench;

/// <summary>
/// The same network served two ways, interleaved round by round (each timed call after one untimed call of the same
/// engine, see <see cref="Sampler.Interleave"/>): the exported graph in ONNX Runtime (graph
/// optimisations on, intra-op threads as <c>--threads</c> or the process default, no inter-op pool) and the TorchSharp
/// detector (folded, channels last), each from normalised input to softmax scores and decoded boxes. Also ONNX
/// Runtime with its graph optimisations off, to show what they are worth, and the int8 QDQ export of the same network
/// (calibrated on a few synthetic shape images) in a session with the same options, with the count of convolutions
/// ONNX Runtime's optimised graph runs as QLinearConv and as float Conv, so that a fusion that fell back to float shows.
/// </summary>
public static class OnnxBench
{
    public static IEnumerable<Measurement> Run(BenchSettings settings)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ssdlite-onnx-bench-{Environment.ProcessId}");
        try
        {
            torch.manual_seed(1);
            var model = BenchModels.Create(settings);
            model.eval();
            var path = Path.Combine(folder, "model.onnx");
            OnnxExporter.Export(model, path, new OnnxExportOptions { WriteLabels = false });
            var int8Path = Path.Combine(folder, "model-int8.onnx");
            ExportInt8(model, settings, folder, int8Path);
            using var torchDetector = new Detector(model);
            var threads = settings.Threads > 0 ? settings.Threads : torch.get_num_threads();
            using var optimized = ModelFile.Open(path).Load(new OnnxDetectorRequest(new OnnxDetectorOptions { IntraOpThreads = threads }));
            using var plain = ModelFile.Open(path).Load(new OnnxDetectorRequest(new OnnxDetectorOptions { IntraOpThreads = threads, OptimizeGraph = false }));
            using var int8 = ModelFile.Open(int8Path).Load(new OnnxDetectorRequest(new OnnxDetectorOptions { IntraOpThreads = threads }));
            var results = new List<Measurement>(Graphs(path, int8Path));
            foreach (var batch in settings.InferenceBatchSizes)
                results.AddRange(RunBatch(settings, new Sessions(torchDetector, optimized, plain, int8), batch, threads));
            return results;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private sealed record Sessions(Detector Torch, OnnxDetector Optimized, OnnxDetector Plain, OnnxDetector Int8);

    // A random-weight network's activations are as wide as a trained one's: a few shape images give it usable ranges.
    internal static void ExportInt8(SsdLiteModel model, BenchSettings settings, string folder, string int8Path)
    {
        var images = Path.Combine(folder, "calibration");
        SyntheticVoc.Generate(new SyntheticVocOptions { Images = CalibrationImages, Width = settings.InputSize, Height = settings.InputSize, Seed = 7 }, images);
        Int8OnnxExporter.Export(model, int8Path, new Int8ExportOptions { CalibrationPaths = [Path.Combine(images, "JPEGImages")] },
            new OnnxExportOptions { WriteLabels = false });
    }

    private const int CalibrationImages = 8;

    private static IEnumerable<Measurement> Graphs(string floatPath, string int8Path)
    {
        var fp32 = OptimizedGraph.Of(floatPath);
        var int8 = OptimizedGraph.Of(int8Path);
        Console.WriteLine($"onnx: int8 model's optimised graph: {int8}");
        return
        [
            Count("fp32 model, float convolutions in ONNX Runtime's optimised graph", fp32.FloatConvs),
            Count("int8 model, QLinearConv in ONNX Runtime's optimised graph", int8.QLinearConvs),
            Count("int8 model, float convolutions left in ONNX Runtime's optimised graph", int8.FloatConvs),
        ];
    }

    private static Measurement Count(string @case, int n) => new("onnx", @case, n, n, n, "nodes", 1, null);

    private static IEnumerable<Measurement> RunBatch(BenchSettings settings, Sessions sessions, int batch, int threads)
    {
        var (torchDetector, optimized, plain, int8) = sessions;
        var input = new float[batch * 3 * settings.InputSize * settings.InputSize];
        var rng = new Random(batch);
        for (var i = 0; i < input.Length; i++) input[i] = (float)((rng.NextDouble() * 2) - 1);
        var samples = Sampler.Interleave(
            [() => torchDetector.Predict(input, batch), () => optimized.Predict(input, batch), () => plain.Predict(input, batch),
                () => int8.Predict(input, batch)],
            settings.Warmup, settings.Iterations, settle: 1);
        // As an application serving the model runs it: this session alone, no other thread pool woken between calls.
        var alone = Sampler.Repeat(() => optimized.Predict(input, batch), settings.Warmup, settings.Iterations);
        var int8Alone = Sampler.Repeat(() => int8.Predict(input, batch), settings.Warmup, settings.Iterations);
        // int8 against fp32 with no third engine between them: in the four-way round int8 follows the unoptimised
        // session, whose intra-op threads are still spinning on the cores when int8 starts.
        var pair = Sampler.Interleave([() => optimized.Predict(input, batch), () => int8.Predict(input, batch)],
            settings.Warmup, settings.Iterations, settle: 1);
        var pairRatio = pair[0].Zip(pair[1], (f, q) => f / q).ToList();
        var ratio = samples[0].Zip(samples[1], (t, o) => t / o).ToList();
        var int8Ratio = samples[1].Zip(samples[3], (f, q) => f / q).ToList();
        var size = $"{settings.InputSize}x{settings.InputSize}";
        return
        [
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, TorchSharp detector", samples[0], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime, {threads} threads", samples[1], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, ONNX Runtime speed-up (x)", ratio, "x", 0),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime unoptimised", samples[2], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime alone, {threads} threads", alone, "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime int8, {threads} threads", samples[3], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, int8 over fp32 in ONNX Runtime (x)", int8Ratio, "x", 0),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime int8 alone, {threads} threads", int8Alone, "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, int8 against fp32, the two interleaved alone (x)", pairRatio, "x", 0),
        ];
    }
}
