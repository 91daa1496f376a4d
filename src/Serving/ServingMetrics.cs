using System.Globalization;
using Prometheus;

namespace SsdLite.Serving;

/// <summary>
/// What <c>GET /metrics</c> exposes, through prometheus-net: detect and infer requests by status, their latency, the queue
/// depth, batch sizes, inference time, rejections by reason, the resident memory, and prometheus-net's own process
/// and .NET figures (CPU time, start time, GC collections, threads). Each server has its own registry, so two
/// servers in one process (the tests) count apart.
/// </summary>
public sealed class ServingMetrics
{
    private readonly CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();

    /// <summary>Empty metrics for a server that batches up to <paramref name="maxBatch"/> requests per call.</summary>
    public ServingMetrics(int maxBatch)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        Requests = factory.CreateCounter("ssdlite_detect_requests_total", "POST /v1/detect requests answered, by HTTP status",
            new CounterConfiguration { LabelNames = ["status"] });
        RequestSeconds = factory.CreateHistogram("ssdlite_detect_request_duration_seconds", "Time from a detect request's arrival to its answer",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        BatchSize = factory.CreateHistogram("ssdlite_batch_size", "Requests per ONNX Runtime call",
            new HistogramConfiguration { Buckets = Histogram.LinearBuckets(1, 1, Math.Max(1, maxBatch)) });
        InferenceSeconds = factory.CreateHistogram("ssdlite_inference_duration_seconds", "Time of one ONNX Runtime call (a whole batch)",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 12) });
        Rejections = factory.CreateCounter("ssdlite_rejections_total", "Detect and infer requests refused, by reason",
            new CounterConfiguration { LabelNames = ["reason"] });
        InferRequests = factory.CreateCounter("ssdlite_infer_requests_total", "POST /v2/models/NAME/infer requests answered, by HTTP status",
            new CounterConfiguration { LabelNames = ["status"] });
        InferRequestSeconds = factory.CreateHistogram("ssdlite_infer_request_duration_seconds", "Time from an infer request's arrival to its answer",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        QueueGauge = factory.CreateGauge("ssdlite_queue_depth", "Requests waiting for the inference worker");
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident set size (VmRSS)");
        registry.AddBeforeCollectCallback(() => resident.Set(ResidentBytes()));
        DotNetStats.Register(registry);
    }

    /// <summary>Detect requests answered, by HTTP status.</summary>
    public Counter Requests { get; }

    /// <summary>Seconds from a detect request's arrival to its answer.</summary>
    public Histogram RequestSeconds { get; }

    /// <summary>Requests per ONNX Runtime call.</summary>
    public Histogram BatchSize { get; }

    /// <summary>Seconds per ONNX Runtime call (a whole batch).</summary>
    public Histogram InferenceSeconds { get; }

    /// <summary>Detect and infer requests refused, by reason.</summary>
    public Counter Rejections { get; }

    /// <summary>Open Inference Protocol infer requests answered, by HTTP status.</summary>
    public Counter InferRequests { get; }

    /// <summary>Seconds from an infer request's arrival to its answer.</summary>
    public Histogram InferRequestSeconds { get; }

    /// <summary>Requests waiting for the worker now.</summary>
    public long QueueDepth => (long)QueueGauge.Value;

    private Gauge QueueGauge { get; }

    internal void Enqueued() => QueueGauge.Inc();

    internal void Dequeued() => QueueGauge.Dec();

    /// <summary>Writes the exposition text (Prometheus text format 0.0.4), with the process figures read now.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancel) => registry.CollectAndExportAsTextAsync(output, cancel);

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
