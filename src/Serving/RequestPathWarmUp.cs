using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text;
using SsdLite.Vision;

namespace SsdLite.Serving;

/// <summary>
/// The second half of start-up: requests sent to the server itself through <see cref="WarmUpRoute"/>, then a wait
/// until the JIT has nothing left to compile. A fresh process runs the request path (Kestrel's connection and parsing
/// code, routing, upload reading, decoding, preprocessing, the batch worker, post-processing, JSON) as unoptimised
/// tier-0 code, and .NET recompiles each hot method on a background thread once it has been called often enough. On
/// two cores that recompilation competes with the first clients' requests: without this step the first 10 s at half
/// load had a p99 of 130-480 ms against 25-40 ms later (docs/benchmarks.md, "Serving": the cold-start tail). The
/// requests carry <see cref="WarmUpMark"/>, which keeps them out of the metrics.
/// </summary>
internal static class RequestPathWarmUp
{
    private const int Width = 500;
    private const int Height = 375;

    /// <summary>
    /// Sends <paramref name="requests"/> requests with <paramref name="client"/>, <paramref name="concurrency"/> at a
    /// time, then waits for the JIT to go quiet; returns what that took, for the log.
    /// </summary>
    public static async Task<WarmUpReport> RunAsync(HttpClient client, WarmUpMark mark, int requests, int concurrency, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var jpeg = ImageIO.Encode(TestCard(), ".jpg");
        var next = -1;
        var refused = 0;
        var lanes = Enumerable.Range(0, Math.Max(1, concurrency)).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
            {
                using var request = Request(jpeg, i, mark);
                using var response = await client.SendAsync(request, cancel).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false);
                // A refusal a client could get too (a --timeout-ms shorter than one inference, a full queue): the code
                // ran all the same. Anything else is a fault, and fails the warm-up.
                if (response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout) Interlocked.Increment(ref refused);
                else if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException($"warm-up request {i} got {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
            }
        });
        await Task.WhenAll(lanes).ConfigureAwait(false);
        var sent = clock.Elapsed;
        var compiled = await JitQuietAsync(TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
        return new WarmUpReport(sent.TotalMilliseconds, refused, (clock.Elapsed - sent).TotalMilliseconds, compiled);
    }

    // The two ways clients send an image: a raw JPEG body, and every fourth request the page's multipart form. Every
    // other request asks for a low score threshold, so that post-processing sorts and suppresses many candidates;
    // every eighth asks for the drawn image instead of JSON.
    private static HttpRequestMessage Request(byte[] jpeg, int index, WarmUpMark mark)
    {
        var image = new ByteArrayContent(jpeg);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        HttpContent content = image;
        if (index % 4 == 2)
        {
            var form = new MultipartFormDataContent();
            form.Add(image, "image", "warm-up.jpg");
            content = form;
        }
        var query = index % 2 == 1 ? "?score_threshold=0.05" : "";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(ServingEndpoints.DetectPath.TrimStart('/') + query, UriKind.Relative)) { Content = content };
        request.Headers.Add(WarmUpMark.Header, mark.Value);
        if (index % 8 == 7) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/jpeg"));
        return request;
    }

    // Gradients with a few flat shapes: enough structure for the JPEG codec and the network to do real work.
    private static Image TestCard()
    {
        var image = new Image(Width, Height);
        var data = image.Pixels;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var o = (y * Width + x) * Image.BytesPerPixel;
                var inBox = (x - 120) * (x - 120) + (y - 180) * (y - 180) < 70 * 70 || (x > 280 && x < 440 && y > 90 && y < 300);
                data[o] = inBox ? (byte)200 : (byte)(x * 255 / Width);
                data[o + 1] = inBox ? (byte)40 : (byte)(y * 255 / Height);
                data[o + 2] = inBox ? (byte)60 : (byte)128;
            }
        }
        return image;
    }

    // Until a half-second passes in which the JIT compiles fewer than a handful of methods (the background tier-1
    // backlog is done; readiness probes alone keep a trickle going), or `most` has passed; returns the methods compiled.
    private static async Task<long> JitQuietAsync(TimeSpan most, CancellationToken cancel)
    {
        const int Trickle = 20;
        var clock = Stopwatch.StartNew();
        var first = JitInfo.GetCompiledMethodCount();
        var windowStart = first;
        var count = first;
        while (clock.Elapsed < most)
        {
            await Task.Delay(500, cancel).ConfigureAwait(false);
            count = JitInfo.GetCompiledMethodCount();
            if (count - windowStart < Trickle) break;
            windowStart = count;
        }
        return count - first;
    }
}

/// <summary>
/// What the request-path warm-up took: sending its requests (of which some may have been refused), then waiting for
/// the JIT, and the methods compiled in that wait.
/// </summary>
internal sealed record WarmUpReport(double RequestsMs, int Refused, double JitWaitMs, long MethodsCompiledInWait);
