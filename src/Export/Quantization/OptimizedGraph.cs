using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace SsdLite.Export.Quantization;

/// <summary>
/// The graph ONNX Runtime's CPU execution provider actually runs after all its optimisations, read back from the file
/// it writes (SessionOptions.OptimizedModelFilePath): which operators a model became, so that a QDQ group that failed
/// to fuse and fell back to float shows up as a Conv instead of a QLinearConv.
/// </summary>
public sealed class OptimizedGraph
{
    private OptimizedGraph(IReadOnlyDictionary<string, int> counts) => OperatorCounts = counts;

    /// <summary>Nodes per operator type (domain-qualified outside the ONNX domain, e.g. com.microsoft.QLinearAdd).</summary>
    public IReadOnlyDictionary<string, int> OperatorCounts { get; }

    /// <summary>
    /// Convolutions run by integer kernels: QLinearConv, or its channels-last form in the com.microsoft domain that
    /// ONNX Runtime's NHWC transformer makes of it on x86.
    /// </summary>
    public int QLinearConvs => Count("QLinearConv") + Count("com.microsoft.QLinearConv");

    /// <summary>Convolutions still run in float (Conv, or FusedConv and NchwcConv after ONNX Runtime's float fusions).</summary>
    public int FloatConvs => Count("Conv") + Count("com.microsoft.FusedConv") + Count("com.microsoft.nchwc.Conv");

    /// <summary>How many nodes of operator <paramref name="op"/> (domain-qualified for contrib ops) the optimised graph holds.</summary>
    public int Count(string op) => OperatorCounts.GetValueOrDefault(op);

    /// <summary>Optimises <paramref name="modelPath"/> as a detector session does (all levels, CPU) and counts its operators.</summary>
    public static OptimizedGraph Of(string modelPath, int threads = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        var optimized = Path.Combine(Path.GetTempPath(), $"ssdlite-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            // Errors only: ORT warns that a graph optimised at this level suits this machine alone, which is the point here.
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = threads,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            {
                options.OptimizedModelFilePath = optimized;
                using var session = new InferenceSession(modelPath, options);
            }
            var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized));
            var counts = model.Graph.Node
                .GroupBy(n => string.IsNullOrEmpty(n.Domain) || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}")
                .ToDictionary(g => g.Key, g => g.Count());
            return new OptimizedGraph(counts);
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    /// <summary>Every operator with its node count, most frequent first.</summary>
    public override string ToString() => string.Join(", ", OperatorCounts.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value}"));
}
