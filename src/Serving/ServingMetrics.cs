using System.Diagnostics;
using System.Globalization;
using System.Text;
using SsdLite.Serving.Metrics;

namespace SsdLite.Serving;

/// <summary>
/// What <c>GET /metrics</c> exposes in Prometheus text format 0.0.4: detect and infer requests by status, their latency, the
/// queue depth, batch sizes, inference time, rejections by reason, and the process's memory, CPU time and GC counts.
/// One instance per server, so two servers in one process (the tests) count apart. Written here rather than with
/// prometheus-net: that package asks for Microsoft.Extensions.Http and ObjectPool versions the package feed lacks,
/// which fails restore (NU1603 as an error) in every project that references this one (docs/serving.md).
/// </summary>
public sealed class ServingMetrics
{
    private long queueDepth;

    /// <summary>Empty metrics for a server that batches up to <paramref name="maxBatch"/> requests per call.</summary>
    public ServingMetrics(int maxBatch)
    {
        Requests = new LabelledCounter("ssdlite_detect_requests_total", "POST /v1/detect requests answered, by HTTP status", "status");
        RequestSeconds = new Histogram("ssdlite_detect_request_duration_seconds", "Time from a detect request's arrival to its answer",
            Histogram.Exponential(0.005, 2, 14));
        BatchSize = new Histogram("ssdlite_batch_size", "Requests per ONNX Runtime call",
            Enumerable.Range(1, Math.Max(1, maxBatch)).Select(i => (double)i).ToArray());
        InferenceSeconds = new Histogram("ssdlite_inference_duration_seconds", "Time of one ONNX Runtime call (a whole batch)",
            Histogram.Exponential(0.002, 2, 12));
        Rejections = new LabelledCounter("ssdlite_rejections_total", "Detect and infer requests refused, by reason", "reason");
        InferRequests = new LabelledCounter("ssdlite_infer_requests_total", "POST /v2/models/NAME/infer requests answered, by HTTP status", "status");
        InferRequestSeconds = new Histogram("ssdlite_infer_request_duration_seconds", "Time from an infer request's arrival to its answer",
            Histogram.Exponential(0.005, 2, 14));
    }

    /// <summary>Detect requests answered, by HTTP status.</summary>
    public LabelledCounter Requests { get; }

    /// <summary>Seconds from a detect request's arrival to its answer.</summary>
    public Histogram RequestSeconds { get; }

    /// <summary>Requests per ONNX Runtime call.</summary>
    public Histogram BatchSize { get; }

    /// <summary>Seconds per ONNX Runtime call (a whole batch).</summary>
    public Histogram InferenceSeconds { get; }

    /// <summary>Detect and infer requests refused, by reason.</summary>
    public LabelledCounter Rejections { get; }

    /// <summary>Open Inference Protocol infer requests answered, by HTTP status.</summary>
    public LabelledCounter InferRequests { get; }

    /// <summary>Seconds from an infer request's arrival to its answer.</summary>
    public Histogram InferRequestSeconds { get; }

    /// <summary>Requests waiting for the worker now.</summary>
    public long QueueDepth => Interlocked.Read(ref queueDepth);

    internal void Enqueued() => Interlocked.Increment(ref queueDepth);

    internal void Dequeued() => Interlocked.Decrement(ref queueDepth);

    /// <summary>The exposition text, with the process figures read now.</summary>
    public string Render()
    {
        var text = new StringBuilder(4096);
        Requests.WriteTo(text);
        RequestSeconds.WriteTo(text);
        Gauge(text, "ssdlite_queue_depth", "Requests waiting for the inference worker", QueueDepth);
        BatchSize.WriteTo(text);
        InferenceSeconds.WriteTo(text);
        Rejections.WriteTo(text);
        InferRequests.WriteTo(text);
        InferRequestSeconds.WriteTo(text);
        using var process = Process.GetCurrentProcess();
        Gauge(text, "process_resident_memory_bytes", "Resident set size (VmRSS)", ResidentBytes());
        Gauge(text, "process_cpu_seconds_total", "User and system CPU time of the process", process.TotalProcessorTime.TotalSeconds, "counter");
        Gauge(text, "process_start_time_seconds", "Start time of the process since the Unix epoch",
            new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        Gauge(text, "dotnet_gc_heap_size_bytes", "Bytes in the managed heap after the last collection", GC.GetGCMemoryInfo().HeapSizeBytes);
        text.Append("# HELP dotnet_gc_collections_total Garbage collections by generation\n# TYPE dotnet_gc_collections_total counter\n");
        for (var g = 0; g <= GC.MaxGeneration; g++)
            text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_collections_total{{generation=\"{g}\"}} {GC.CollectionCount(g)}\n");
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, double value, string type = "gauge") =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n{name} {value.ToString("R", CultureInfo.InvariantCulture)}\n");

    /// <summary>The process's resident set: VmRSS from /proc on Linux, the working set elsewhere.</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                if (long.TryParse(kb, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value * 1024;
            }
        }
        return Environment.WorkingSet;
    }
}
