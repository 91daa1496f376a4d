using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

// A fixed-arrival-rate (open-loop) or fixed-concurrency (closed-loop) load generator for POST /v1/detect.
// Open loop: request i is due at start + i / rate, and its latency runs from that intended time, so a stalled
// server shows as latency instead of silently lowering the offered rate (the coordinated-omission trap).
//
// The generator is a fresh .NET process sharing the server's cores: before the timed run it warms its own sending
// and parsing code for --client-warmup seconds (default 3) with the images POSTed to /v2/health/live, which the
// server answers 405 without touching the detect path, so that its JIT is not billed to the server.
//
//   ServeLoad --url http://127.0.0.1:8080 --images DIR --rate R | --concurrency N --seconds S [--client-warmup S]
//             [--pid PID] [--json OUT]
//   ServeLoad --oip-compare --url U --images DIR --model NAME [--concurrency N] [--seconds S] [--rounds R]
//             (OipCompare.cs: an infer request's cost against detect's, interleaved)
var options = Args.Parse(args);
var images = Directory.GetFiles(options.Images, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
if (images.Length == 0) throw new ArgumentException($"no .jpg files in {options.Images}");
using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
using var client = new HttpClient(handler) { BaseAddress = new Uri(options.Url), Timeout = TimeSpan.FromSeconds(60) };

if (args.Contains("--oip-compare")) return await OipCompare.RunAsync(args, client, images);
await Load.WarmClientAsync(client, images, options.ClientWarmUpSeconds);
var before = await Metrics.ScrapeAsync(client);
var rss = new RssSampler(options.Pid, options.RssEverySeconds);
var rssTask = rss.RunAsync();
var samples = options.Rate > 0 ? await Load.OpenAsync(client, images, options.Rate, options.Seconds)
    : await Load.ClosedAsync(client, images, options.Concurrency, options.Seconds);
var readyMs = await Load.ReadyAgainMsAsync(client);
rss.Stop();
await rssTask;
var after = await Metrics.ScrapeAsync(client);

var ok = samples.Where(s => s.Status == 200).Select(s => s.LatencyMs).Order().ToArray();
var span = samples.Count == 0 ? 1 : Math.Max(1e-9, samples.Max(s => s.DoneSeconds));
var report = new Dictionary<string, object?>
{
    ["mode"] = options.Rate > 0 ? $"open {options.Rate.ToString(CultureInfo.InvariantCulture)}/s" : $"closed {options.Concurrency}",
    ["seconds"] = options.Seconds,
    ["requests"] = samples.Count,
    ["statuses"] = samples.GroupBy(s => s.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count()),
    ["ok_per_second"] = Math.Round(ok.Length / span, 2),
    ["latency_ms_200"] = ok.Length == 0 ? null : new Dictionary<string, double>
    {
        ["p50"] = Percentile(ok, 0.50),
        ["p95"] = Percentile(ok, 0.95),
        ["p99"] = Percentile(ok, 0.99),
        ["max"] = ok[^1],
    },
    // Where the tail falls: a stall at the start (a cold process) reads differently from one spread over the run.
    ["latency_ms_200_by_10s"] = samples.Where(s => s.Status == 200).GroupBy(s => (int)((s.DoneSeconds - s.LatencyMs / 1000) / 10) * 10).OrderBy(g => g.Key)
        .Select(g => (g.Key, Sorted: g.Select(s => s.LatencyMs).Order().ToArray()))
        .Select(w => new Dictionary<string, double> { ["from_s"] = w.Key, ["n"] = w.Sorted.Length, ["p50"] = Percentile(w.Sorted, 0.50), ["p99"] = Percentile(w.Sorted, 0.99), ["max"] = Math.Round(w.Sorted[^1], 2) })
        .ToArray(),
    // Where the slowest requests of each window spent their time: the server's own timings_ms, averaged over the
    // window's slowest 1%, and "outside" = client latency minus the server's total (accept, send, client scheduling).
    ["slowest_1pct_ms_by_10s"] = samples.Where(s => s.Status == 200 && s.Server is not null).GroupBy(s => (int)((s.DoneSeconds - s.LatencyMs / 1000) / 10) * 10).OrderBy(g => g.Key)
        .Select(g => SlowestPhases(g.Key, g.OrderByDescending(s => s.LatencyMs).Take(Math.Max(1, g.Count() / 100)).ToArray()))
        .ToArray(),
    ["batch_size_histogram"] = Metrics.BatchDelta(before, after),
    ["ready_again_ms"] = readyMs,
    ["rss_mb"] = rss.Samples.Select(v => Math.Round(v / 1048576.0, 1)).ToArray(),
};
var json = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
if (options.Json is { } path) File.WriteAllText(path, json);
return 0;

static Dictionary<string, double> SlowestPhases(int from, Sample[] slow)
{
    var phases = new Dictionary<string, double> { ["from_s"] = from, ["n"] = slow.Length, ["latency"] = Math.Round(slow.Average(s => s.LatencyMs), 2) };
    foreach (var name in slow[0].Server!.Keys) phases[name] = Math.Round(slow.Average(s => s.Server![name]), 2);
    phases["outside"] = Math.Round(slow.Average(s => s.LatencyMs - s.Server!["total"]), 2);
    return phases;
}

static double Percentile(double[] sorted, double q) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 2);

internal sealed record Sample(int Status, double LatencyMs, double DoneSeconds, Dictionary<string, double>? Server);

internal static class Load
{
    public static async Task<List<Sample>> OpenAsync(HttpClient client, byte[][] images, double rate, double seconds)
    {
        var total = (int)(rate * seconds);
        var tasks = new List<Task<Sample>>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = i / rate;
            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0.001) await Task.Delay(TimeSpan.FromSeconds(wait));
            while (clock.Elapsed.TotalSeconds < due) Thread.SpinWait(50);
            tasks.Add(SendAsync(client, images[i % images.Length], clock, due));
        }
        return [.. await Task.WhenAll(tasks)];
    }

    // The client's own path against an endpoint that is not detect's: 50 POSTs a second, each 405 body parsed as JSON,
    // then a second's pause for the JIT's background recompilation.
    public static async Task WarmClientAsync(HttpClient client, byte[][] images, double seconds)
    {
        if (seconds <= 0) return;
        var sends = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; clock.Elapsed.TotalSeconds < seconds; i++)
        {
            var image = images[i % images.Length];
            sends.Add(Task.Run(async () =>
            {
                using var content = JpegContent(image);
                using var response = await client.PostAsync(new Uri("/v2/health/live", UriKind.Relative), content);
                using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            }));
            await Task.Delay(20);
        }
        await Task.WhenAll(sends);
        await Task.Delay(1000);
    }

    public static async Task<List<Sample>> ClosedAsync(HttpClient client, byte[][] images, int concurrency, double seconds)
    {
        var clock = Stopwatch.StartNew();
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<Sample>();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var i = Interlocked.Increment(ref next);
                mine.Add(await SendAsync(client, images[i % images.Length], clock, clock.Elapsed.TotalSeconds));
            }
            return mine;
        });
        return [.. (await Task.WhenAll(workers)).SelectMany(s => s)];
    }

    // Latency from the intended send time; a transport failure is status 0.
    private static async Task<Sample> SendAsync(HttpClient client, byte[] image, Stopwatch clock, double due)
    {
        var status = 0;
        Dictionary<string, double>? server = null;
        try
        {
            using var content = JpegContent(image);
            using var response = await client.PostAsync(new Uri("/v1/detect", UriKind.Relative), content);
            var body = await response.Content.ReadAsByteArrayAsync();
            status = (int)response.StatusCode;
            if (status == 200) server = ServerTimings(body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            status = 0;
        }
        var done = clock.Elapsed.TotalSeconds;
        return new Sample(status, (done - due) * 1000, done, server);
    }

    private static ByteArrayContent JpegContent(byte[] image)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return content;
    }

    // The server's timings_ms object (read, decode, queue, inference, postprocess, total) plus the batch size.
    private static Dictionary<string, double> ServerTimings(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var timings = root.GetProperty("timings_ms").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        if (root.TryGetProperty("batch_size", out var batch)) timings["batch_size"] = batch.GetDouble();
        return timings;
    }

    // Milliseconds from the end of the load until readiness answers 200.
    public static async Task<double> ReadyAgainMsAsync(HttpClient client)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            using var ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            if (ready.StatusCode == HttpStatusCode.OK) return Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            await Task.Delay(10);
        }
        return -1;
    }
}

internal static class Metrics
{
    public static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient client)
    {
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) values[line[..space]] = v;
        }
        return values;
    }

    // Batches of each size during the run, from the cumulative histogram's difference.
    public static Dictionary<string, double> BatchDelta(Dictionary<string, double> before, Dictionary<string, double> after)
    {
        var result = new Dictionary<string, double>();
        var previous = 0.0;
        foreach (var key in after.Keys.Where(k => k.StartsWith("ssdlite_batch_size_bucket{le=\"", StringComparison.Ordinal) && !k.Contains("+Inf", StringComparison.Ordinal)))
        {
            var cumulative = after[key] - before.GetValueOrDefault(key);
            var size = key["ssdlite_batch_size_bucket{le=\"".Length..^2];
            if (cumulative - previous > 0) result[size] = cumulative - previous;
            previous = cumulative;
        }
        return result;
    }
}

internal sealed class RssSampler(int pid, double everySeconds)
{
    private readonly CancellationTokenSource stop = new();

    public List<long> Samples { get; } = [];

    public async Task RunAsync()
    {
        if (pid <= 0) return;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null) Samples.Add(long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024);
                await Task.Delay(TimeSpan.FromSeconds(everySeconds), stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Stop() => stop.Cancel();
}

internal sealed record Args(string Url, string Images, double Rate, int Concurrency, double Seconds, double ClientWarmUpSeconds, int Pid, double RssEverySeconds, string? Json)
{
    public static Args Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        double Number(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Args(Get("--url", "http://127.0.0.1:8080"), Get("--images", "."), Number("--rate", 0), (int)Number("--concurrency", 16),
            Number("--seconds", 30), Number("--client-warmup", 3), (int)Number("--pid", 0), Number("--rss-every", 5), args.Contains("--json") ? Get("--json", "") : null);
    }
}
