using System.Globalization;

namespace SsdLite.Serving;

/// <summary>
/// How <c>ssdlite serve</c> listens, batches and limits. The defaults suit a 2-8 core CPU host serving camera-sized
/// JPEGs; every one is a command-line option.
/// </summary>
public sealed record ServeOptions
{
    /// <summary>Where Kestrel listens; localhost only unless the operator names another address.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:8080";

    /// <summary>Most requests one ONNX Runtime call takes (Triton's max_batch_size).</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>
    /// How long the worker waits for more requests once it holds one (Triton's max_queue_delay_microseconds). While a
    /// batch runs, requests gather anyway, so under load this delay rarely applies.
    /// </summary>
    public double MaxQueueDelayMs { get; init; } = 2;

    /// <summary>
    /// Requests waiting for the worker before new ones get 503 with Retry-After; requests still reading or decoding
    /// count too (at most QueueLimit + MaxBatch are admitted at once). It bounds an accepted request's wait to about
    /// QueueLimit / MaxBatch + 1 inference calls, so under overload the 200s stay bounded (docs/benchmarks.md, "Serving").
    /// </summary>
    public int QueueLimit { get; init; } = 32;

    /// <summary>Largest request body, multipart framing included (413 above it).</summary>
    public long MaxBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest width × height an image may declare in its header (413 above it, before any decoding).</summary>
    public long MaxPixels { get; init; } = SsdLite.Vision.ImageIO.DefaultMaxPixels;

    /// <summary>A request's deadline from its arrival: 504 once it passes, and it is dropped before inference if still queued.</summary>
    public int TimeoutMs { get; init; } = 10_000;

    /// <summary>
    /// After SIGTERM, how long readiness reports 503 while requests are still served, so that a load balancer stops
    /// sending before the listener closes (a Kubernetes pre-stop delay); then in-flight requests finish and the process exits.
    /// </summary>
    public int DrainMs { get; init; } = 1_000;

    /// <summary>ONNX Runtime intra-op threads; 0: every core this process may use.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's threads spin between calls. Off by default here: between batches the cores belong to the
    /// request threads decoding the next images (docs/serving.md measures both).
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Score threshold when a request names none (detect's default).</summary>
    public float ScoreThreshold { get; init; } = 0.4f;

    /// <summary>Detections per class when a request names none; -1: no limit (detect's default).</summary>
    public int TopK { get; init; } = -1;

    /// <summary>Slowest upload Kestrel accepts, bytes per second after a 5-second grace (slow senders are cut off).</summary>
    public double MinRequestBytesPerSecond { get; init; } = 1024;

    /// <summary>
    /// Requests the server sends itself, in process, before readiness turns 200, so that .NET has compiled the request
    /// path's hot methods before the first client arrives (a fresh process's first seconds were its latency tail); 0 skips it.
    /// </summary>
    public int WarmUpRequests { get; init; } = 200;

    /// <summary>
    /// A file of API keys, one per line (<c>--api-key-file</c>): detect, model metadata and infer, and metrics then
    /// need <c>Authorization: Bearer KEY</c>. Null: no authentication (a warning when listening beyond loopback).
    /// </summary>
    public string? ApiKeyFile { get; init; }

    /// <summary>The server certificate for https:// addresses (<c>--https-cert</c>): a .pfx/.p12, or a PEM certificate with <see cref="HttpsKey"/>.</summary>
    public string? HttpsCertificate { get; init; }

    /// <summary>The PEM private key of a PEM <see cref="HttpsCertificate"/> (<c>--https-key</c>).</summary>
    public string? HttpsKey { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Check(MaxBatch >= 1, "--max-batch", MaxBatch, "at least 1");
        Check(MaxQueueDelayMs >= 0, "--max-queue-delay-ms", MaxQueueDelayMs, "0 or more");
        Check(QueueLimit >= 1, "--queue-limit", QueueLimit, "at least 1");
        Check(MaxBodyBytes >= 1024, "--max-body-bytes", MaxBodyBytes, "at least 1024");
        Check(MaxPixels >= 1, "--max-pixels", MaxPixels, "at least 1");
        Check(TimeoutMs >= 1, "--timeout-ms", TimeoutMs, "at least 1");
        Check(DrainMs >= 0, "--drain-ms", DrainMs, "0 or more");
        Check(WarmUpRequests >= 0, "--warmup-requests", WarmUpRequests, "0 or more");
        Check(IntraOpThreads >= 0, "--intra-op-threads", IntraOpThreads, "0 (all cores) or more");
        Check(ScoreThreshold is >= 0 and < 1, "--score-threshold", ScoreThreshold, "in [0, 1)");
        if (!Uri.TryCreate(Urls.Split(';')[0], UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new ArgumentException($"--urls must be http(s)://HOST:PORT addresses separated by ';', got '{Urls}'");
        if (ApiKeyFile is not null && !File.Exists(ApiKeyFile)) throw new ArgumentException($"--api-key-file {ApiKeyFile}: no such file");
        if (HttpsCertificate is not null && !File.Exists(HttpsCertificate)) throw new ArgumentException($"--https-cert {HttpsCertificate}: no such file");
        if (HttpsKey is not null && HttpsCertificate is null) throw new ArgumentException("--https-key needs --https-cert");
        if (HttpsKey is not null && !File.Exists(HttpsKey)) throw new ArgumentException($"--https-key {HttpsKey}: no such file");
        if (Urls.Split(';').Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)) && HttpsCertificate is null)
            throw new ArgumentException($"--urls '{Urls}' has an https address: give its certificate with --https-cert");
    }

    /// <summary>
    /// What start-up warns about: listening beyond loopback without <see cref="ApiKeyFile"/> (anyone who can reach
    /// the address can use the model), or over plain http beyond loopback.
    /// </summary>
    public IReadOnlyList<string> SecurityWarnings()
    {
        var warnings = new List<string>();
        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || IsLoopback(uri.Host)) continue;
            if (ApiKeyFile is null) warnings.Add($"{url} is reachable beyond this machine and no --api-key-file is set: anyone who reaches it can use the model");
            if (uri.Scheme == "http") warnings.Add($"{url} is plain http beyond this machine: keys and images travel unencrypted (use https:// with --https-cert)");
        }
        return warnings;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    private static void Check(bool ok, string name, double value, string expected)
    {
        if (!ok) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} must be {expected}, got {value}"));
    }
}
