using SsdLite.Detection;
using SsdLite.Export;
using SsdLite.Runtime;

namespace SsdLite.Tools.Bench;

/// <summary>
/// The same network served two ways, interleaved round by round (each timed call after one untimed call of the same
/// engine, see <see cref="Sampler.Interleave"/>): the exported graph in ONNX Runtime (graph
/// optimisations on, intra-op threads as <c>--threads</c> or the process default, no inter-op pool) and the TorchSharp
/// detector (folded, channels last), each from normalised input to softmax scores and decoded boxes. Also ONNX
/// Runtime with its graph optimisations off, to show what they are worth.
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
            using var torchDetector = new Detector(model);
            var threads = settings.Threads > 0 ? settings.Threads : torch.get_num_threads();
            using var optimized = OnnxDetector.Load(path, options: new OnnxDetectorOptions { IntraOpThreads = threads });
            using var plain = OnnxDetector.Load(path, options: new OnnxDetectorOptions { IntraOpThreads = threads, OptimizeGraph = false });
            var results = new List<Measurement>();
            foreach (var batch in settings.InferenceBatchSizes) results.AddRange(RunBatch(settings, torchDetector, optimized, plain, batch, threads));
            return results;
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<Measurement> RunBatch(BenchSettings settings, Detector torchDetector, OnnxDetector optimized, OnnxDetector plain,
        int batch, int threads)
    {
        var input = new float[batch * 3 * settings.InputSize * settings.InputSize];
        var rng = new Random(batch);
        for (var i = 0; i < input.Length; i++) input[i] = (float)((rng.NextDouble() * 2) - 1);
        var samples = Sampler.Interleave(
            [() => torchDetector.Predict(input, batch), () => optimized.Predict(input, batch), () => plain.Predict(input, batch)],
            settings.Warmup, settings.Iterations, settle: 1);
        // As an application serving the model runs it: this session alone, no other thread pool woken between calls.
        var alone = Sampler.Repeat(() => optimized.Predict(input, batch), settings.Warmup, settings.Iterations);
        var ratio = samples[0].Zip(samples[1], (t, o) => t / o).ToList();
        var size = $"{settings.InputSize}x{settings.InputSize}";
        return
        [
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, TorchSharp detector", samples[0], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime, {threads} threads", samples[1], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, ONNX Runtime speed-up (x)", ratio, "x", 0),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime unoptimised", samples[2], "ms", batch),
            Measurement.FromSamples("onnx", $"batch {batch}, {size}, ONNX Runtime alone, {threads} threads", alone, "ms", batch),
        ];
    }
}
