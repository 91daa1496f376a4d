using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

// --oip-compare: what an Open Inference Protocol infer request costs against /v1/detect on the same server, as
// ratios from one interleaved run. Each round runs a closed loop at --concurrency for --seconds per kind, the kinds'
// order rotating from round to round so that drift (thermal, other load) falls on all of them alike:
//   detect      POST /v1/detect, a JPEG body (the server decodes and preprocesses it, and post-processes)
//   oip-binary  POST /v2/models/NAME/infer, the 1x3xSxS FP32 tensor as binary data, both outputs back as binary
//   oip-json    the same with the tensor and the outputs as JSON data lists
// The tensors are fixed pseudo-random values in [-1, 1] (ONNX Runtime's time does not depend on them); bodies are
// encoded once before the run, and responses are read whole but not parsed, so the figures are the server's and the
// transport's, not the client's encoder.
internal static class OipCompare
{
    private sealed record Kind(string Name, Func<HttpRequestMessage> Request);

    public static async Task<int> RunAsync(string[] args, HttpClient client, byte[][] images)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        var model = Get("--model", "model");
        var concurrency = int.Parse(Get("--concurrency", "1"), CultureInfo.InvariantCulture);
        var seconds = double.Parse(Get("--seconds", "5"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Get("--rounds", "3"), CultureInfo.InvariantCulture);
        var size = await InputSizeAsync(client, model);
        var values = new float[3 * size * size];
        var random = new Random(29);
        for (var i = 0; i < values.Length; i++) values[i] = random.NextSingle() * 2 - 1;
        var (binaryBody, headerLength) = BinaryBody(values, size);
        var jsonBody = JsonBody(values, size);
        var infer = new Uri($"/v2/models/{model}/infer", UriKind.Relative);
        var next = -1;
        Kind[] kinds =
        [
            new("detect", () => new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/detect", UriKind.Relative))
                { Content = Body(images[(int)((uint)Interlocked.Increment(ref next) % images.Length)], "image/jpeg", null) }),
            new("oip-binary", () => new HttpRequestMessage(HttpMethod.Post, infer) { Content = Body(binaryBody, "application/octet-stream", headerLength) }),
            new("oip-json", () => new HttpRequestMessage(HttpMethod.Post, infer) { Content = Body(jsonBody, "application/json", null) }),
        ];
        foreach (var kind in kinds) await ClosedAsync(client, kind, concurrency, 2); // the server's and this process's JIT
        var latencies = kinds.ToDictionary(k => k.Name, _ => new List<double>());
        var counts = kinds.ToDictionary(k => k.Name, _ => 0);
        var time = kinds.ToDictionary(k => k.Name, _ => 0.0);
        for (var round = 0; round < rounds; round++)
        {
            for (var j = 0; j < kinds.Length; j++)
            {
                var kind = kinds[(j + round) % kinds.Length];
                var (samples, elapsed) = await ClosedAsync(client, kind, concurrency, seconds);
                latencies[kind.Name].AddRange(samples);
                counts[kind.Name] += samples.Count;
                time[kind.Name] += elapsed;
            }
        }
        var report = new Dictionary<string, object?>
        {
            ["mode"] = $"oip-compare, concurrency {concurrency}, {rounds} rounds x {seconds.ToString(CultureInfo.InvariantCulture)} s per kind, input 1x3x{size}x{size}",
        };
        var detectP50 = Median(latencies["detect"]);
        var detectRate = counts["detect"] / time["detect"];
        foreach (var kind in kinds)
        {
            var sorted = latencies[kind.Name].Order().ToArray();
            var rate = counts[kind.Name] / time[kind.Name];
            report[kind.Name] = new Dictionary<string, double>
            {
                ["requests"] = sorted.Length,
                ["per_second"] = Math.Round(rate, 2),
                ["p50_ms"] = Math.Round(Median(sorted), 2),
                ["p95_ms"] = Math.Round(sorted[Math.Clamp((int)Math.Ceiling(0.95 * sorted.Length) - 1, 0, sorted.Length - 1)], 2),
                ["p50_vs_detect"] = Math.Round(Median(sorted) / detectP50, 3),
                ["per_second_vs_detect"] = Math.Round(rate / detectRate, 3),
            };
        }
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static async Task<int> InputSizeAsync(HttpClient client, string model)
    {
        using var meta = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/v2/models/{model}", UriKind.Relative)));
        return meta.RootElement.GetProperty("inputs")[0].GetProperty("shape")[2].GetInt32();
    }

    // Closed loop: every worker sends its next request when its last is answered; only 200s are counted.
    private static async Task<(List<double> Samples, double Seconds)> ClosedAsync(HttpClient client, Kind kind, int concurrency, double seconds)
    {
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                var started = clock.Elapsed.TotalMilliseconds;
                using var request = kind.Request();
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsByteArrayAsync();
                if ((int)response.StatusCode != 200)
                    throw new InvalidOperationException($"{kind.Name}: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
                mine.Add(clock.Elapsed.TotalMilliseconds - started);
            }
            return mine;
        });
        var all = (await Task.WhenAll(workers)).SelectMany(s => s).ToList();
        return (all, clock.Elapsed.TotalSeconds);
    }

    private static ByteArrayContent Body(byte[] bytes, string type, int? headerLength)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        if (headerLength is { } h) content.Headers.Add("Inference-Header-Content-Length", h.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    private static (byte[] Body, int HeaderLength) BinaryBody(float[] values, int size)
    {
        var header = Encoding.UTF8.GetBytes(
            $"{{\"inputs\":[{{\"name\":\"input_0\",\"shape\":[1,3,{size},{size}],\"datatype\":\"FP32\",\"parameters\":{{\"binary_data_size\":{values.Length * 4}}}}}]," +
            "\"parameters\":{\"binary_data_output\":true}}");
        var body = new byte[header.Length + values.Length * 4];
        header.CopyTo(body, 0);
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(header.Length + i * 4), values[i]);
        return (body, header.Length);
    }

    private static byte[] JsonBody(float[] values, int size)
    {
        var text = new StringBuilder(values.Length * 12);
        text.Append(CultureInfo.InvariantCulture, $"{{\"inputs\":[{{\"name\":\"input_0\",\"shape\":[1,3,{size},{size}],\"datatype\":\"FP32\",\"data\":[");
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
        }
        text.Append("]}]}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
