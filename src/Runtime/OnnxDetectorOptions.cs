namespace SsdLite.Runtime;

/// <summary>How <see cref="OnnxDetector"/> sets up its ONNX Runtime session (CPU execution provider).</summary>
public sealed record OnnxDetectorOptions
{
    /// <summary>Threads of one inference (ONNX Runtime's intra-op pool); 0: SSDLITE_NUM_THREADS, else the cores this process may use.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>ONNX Runtime's graph optimisations (constant folding, Conv+activation and Conv+Add fusion, layout changes); all by default.</summary>
    public bool OptimizeGraph { get; init; } = true;

    /// <summary>
    /// Whether the intra-op threads spin while waiting for work (ONNX Runtime's default). Spinning lowers latency
    /// on an idle machine and costs CPU time that other processes on a busy one would use.
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>The default of <see cref="MaxModelBytes"/>: 512 MiB (an SsdLite export is 1 to 20 MB).</summary>
    public const long DefaultMaxModelBytes = 512L << 20;

    /// <summary>The environment variable that sets <see cref="MaxModelBytes"/>'s default for a whole process (detect, eval, serve, bench).</summary>
    public const string MaxModelBytesVariable = "SSDLITE_MAX_MODEL_BYTES";

    /// <summary>
    /// The largest model file (or in-memory model) opened: a larger one is refused by its length before ONNX Runtime
    /// reads it, which would hold all of it in memory. <see cref="DefaultMaxModelBytes"/> unless
    /// <c>SSDLITE_MAX_MODEL_BYTES</c> says otherwise.
    /// </summary>
    public long MaxModelBytes { get; init; } = MaxModelBytesFromEnvironment(Environment.GetEnvironmentVariable(MaxModelBytesVariable));

    /// <summary>The limit an <c>SSDLITE_MAX_MODEL_BYTES</c> value sets: a positive integer, else <see cref="DefaultMaxModelBytes"/>.</summary>
    public static long MaxModelBytesFromEnvironment(string? value) =>
        long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit > 0 ? limit : DefaultMaxModelBytes;

    /// <summary>The thread count these options ask for.</summary>
    public int ResolvedThreads()
    {
        if (IntraOpThreads > 0) return IntraOpThreads;
        var fromEnv = Environment.GetEnvironmentVariable("SSDLITE_NUM_THREADS");
        return int.TryParse(fromEnv, out var n) && n > 0 ? n : Math.Max(1, Environment.ProcessorCount);
    }
}
