using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;

namespace SsdLite.Serving.Tests;

/// <summary>
/// <c>ssdlite serve</c> as a child process on a free port, spoken to over raw TCP as curl would: an ONNX model is
/// served with no libtorch mapped; SIGTERM during load drains (readiness 503 first), finishes every request it
/// accepted, resets none, and exits 0; a sender below Kestrel's minimum data rate is cut off with 408.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed partial class ServeProcessTests(ModelFixture fixture)
{
    [Fact]
    public async Task SigtermDuringLoadFinishesEveryRequestAndExitsZero()
    {
        if (!OperatingSystem.IsLinux()) return; // SIGTERM and /proc/PID/maps
        var port = FreePort();
        var (server, log) = StartServe("--model", fixture.OnnxPath, "--urls", $"http://127.0.0.1:{port}",
            "--drain-ms", "1500", "--max-queue-delay-ms", "5");
        using var _ = server;
        try
        {
            await WaitReadyAsync(port, server, log);
            var maps = File.ReadAllLines($"/proc/{server.Id}/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "").ToList();
            Assert.Contains(maps, m => Path.GetFileName(m) == "libonnxruntime.so");
            Assert.DoesNotContain(maps, m => m.Contains("torch", StringComparison.OrdinalIgnoreCase));
            // The warm-up went over the server's own TCP listener, and left the metrics as if nothing had been asked.
            lock (log) Assert.Contains($"200 warm-up requests to http://127.0.0.1:{port}/ (0 refused)", log.ToString(), StringComparison.Ordinal);
            using (var http = new HttpClient())
            {
                var before = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                Assert.Equal(0, Requests.Metric(before, "ssdlite_detect_requests_total{status=\"200\"}"));
                Assert.Equal(0, Requests.Metric(before, "ssdlite_batch_size_count"));
            }

            var image = File.ReadAllBytes(TestData.Oracle("image.jpg"));
            var expected = fixture.Reference["image.jpg"]["detections"]!.ToJsonString();
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 6).Select(_ => Task.Run(() => LoadAsync(port, image, stop.Token))).ToList();
            await Task.Delay(1500);
            Assert.Equal(0, kill(server.Id, 15)); // SIGTERM
            var sawUnready = await WatchReadinessAsync(port);
            stop.Cancel(); // as a load balancer does once readiness fails: no new requests
            var outcomes = (await Task.WhenAll(clients)).SelectMany(o => o).ToList();
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "the server did not exit after SIGTERM");
            server.WaitForExit();
            Assert.True(sawUnready, "readiness never answered 503 during the drain");
            Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}\n{log}");
            Assert.DoesNotContain(outcomes, o => o.Failure is not null);
            var answered = outcomes.Where(o => o.Status == 200).ToList();
            Assert.True(answered.Count >= 6, $"{answered.Count} answers");
            Assert.All(answered, o => Assert.Equal(expected, JsonNode.Parse(o.Body!)!["detections"]!.ToJsonString()));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task ACheckpointIsExportedInMemoryAndServedWithTheOnnxAnswers()
    {
        var port = FreePort();
        var (server, log) = StartServe("--model", TestData.Oracle("trained-c7.pth"),
            "--labels", TestData.Oracle("labels-c7.txt"), "--urls", $"http://127.0.0.1:{port}", "--drain-ms", "0");
        using var _ = server;
        try
        {
            await WaitReadyAsync(port, server, log);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var answer = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
            Assert.Equal("trained-c7", answer["model"]!.GetValue<string>());
            Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
            Assert.False(Directory.EnumerateFiles(Path.GetDirectoryName(TestData.Oracle("trained-c7.pth"))!, "*.onnx").Any(), "nothing written beside it");
            Assert.Equal(0, kill(server.Id, 15));
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)));
            server.WaitForExit();
            Assert.True(server.ExitCode == 0, log.ToString());
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task ASlowSenderIsCutOffWith408WhileOthersAreAnswered()
    {
        var port = FreePort();
        var (server, log) = StartServe("--model", fixture.OnnxPath, "--urls", $"http://127.0.0.1:{port}", "--drain-ms", "0");
        using var _ = server;
        try
        {
            await WaitReadyAsync(port, server, log);
            var image = File.ReadAllBytes(TestData.Oracle("image.jpg"));
            var expected = fixture.Reference["image.jpg"]["detections"]!.ToJsonString();
            using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await slow.ConnectAsync(IPAddress.Loopback, port);
            await slow.SendAsync(Encoding.ASCII.GetBytes($"POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" +
                $"Content-Type: image/jpeg\r\nContent-Length: {image.Length}\r\n\r\n"));
            var clock = Stopwatch.StartNew();
            // 16 bytes every 250 ms is 64 B/s, against serve's minimum of 1024 B/s after a 5 s grace.
            using var stopTrickle = new CancellationTokenSource();
            var trickle = Task.Run(async () =>
            {
                try
                {
                    for (var sent = 0; sent < image.Length && !stopTrickle.IsCancellationRequested; sent += 16)
                    {
                        await slow.SendAsync(image.AsMemory(sent, Math.Min(16, image.Length - sent)));
                        await Task.Delay(250, stopTrickle.Token);
                    }
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // the server closed the connection, as it should
                }
            });

            // While the slow upload holds its connection, other clients are answered.
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var answer = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
            Assert.Equal(expected, answer["detections"]!.ToJsonString());

            var response = await ReadToEndAsync(slow, resetEndsRead: true).WaitAsync(TimeSpan.FromSeconds(60));
            var cutAfter = clock.Elapsed;
            stopTrickle.Cancel();
            await trickle;
            var outcome = Parse(response);
            Assert.True(outcome.Status == 408, $"{outcome} after {cutAfter.TotalSeconds:0.0} s\n{log}");
            Assert.Contains("MinRequestBodyDataRate", JsonNode.Parse(outcome.Body!)!["error"]!.GetValue<string>());
            // Not before the grace period, and not long after it (Kestrel checks the rate once a second).
            Assert.InRange(cutAfter.TotalSeconds, 4.5, 20);

            answer = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
            Assert.Equal(expected, answer["detections"]!.ToJsonString());
            var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(1, Requests.Metric(metrics, "ssdlite_detect_requests_total{status=\"408\"}"));
            Assert.Equal(2, Requests.Metric(metrics, "ssdlite_detect_requests_total{status=\"200\"}"));
            Assert.False(server.HasExited, log.ToString());
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void AMissingModelIsNamedAndFails()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");
        var (code, _, error) = TestData.RunSsdlite("serve", "--model", missing);
        Assert.Equal(1, code);
        Assert.Contains(missing, error);
    }

    private sealed record Outcome(int Status, string? Body, string? Failure);

    // One request after another, each on its own connection (Connection: close), until told to stop; a refused
    // connection (the listener closed) is not a failure, anything that breaks an accepted exchange is.
    private static async Task<List<Outcome>> LoadAsync(int port, byte[] image, CancellationToken stop)
    {
        var outcomes = new List<Outcome>();
        var head = Encoding.ASCII.GetBytes($"POST /v1/detect?score_threshold={ModelFixture.Threshold} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" +
            $"Content-Type: image/jpeg\r\nContent-Length: {image.Length}\r\nConnection: close\r\n\r\n");
        while (!stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                await Task.Delay(20);
                continue;
            }
            try
            {
                await socket.SendAsync(head);
                await socket.SendAsync(image);
                outcomes.Add(Parse(await ReadToEndAsync(socket)));
            }
            catch (SocketException e)
            {
                outcomes.Add(new Outcome(0, null, $"{e.SocketErrorCode}: {e.Message}"));
            }
        }
        return outcomes;
    }

    // What the server sent until it closed the connection. With resetEndsRead, a reset after some bytes arrived ends
    // the read without losing them (a server that closes with the sender's unread bytes still queued resets); the
    // drain test keeps it off, where any reset is a failure.
    private static async Task<byte[]> ReadToEndAsync(Socket socket, bool resetEndsRead = false)
    {
        using var all = new MemoryStream();
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0) all.Write(buffer, 0, n);
        }
        catch (SocketException e) when (resetEndsRead && e.SocketErrorCode == SocketError.ConnectionReset && all.Length > 0)
        {
        }
        return all.ToArray();
    }

    private static Outcome Parse(byte[] response)
    {
        var text = Encoding.UTF8.GetString(response);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || split < 0)
            return new Outcome(0, null, $"not a whole HTTP response ({response.Length} bytes)");
        var status = int.Parse(text.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(split + 4)..];
        var lengthLine = text[..split].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (lengthLine is null) return new Outcome(status, null, "no Content-Length: the server answers detect with one");
        if (int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture) != Encoding.UTF8.GetByteCount(body))
            return new Outcome(status, null, "the body ended before its Content-Length");
        return new Outcome(status, body, status is 200 or 503 ? null : $"status {status}: {body}");
    }

    // True once readiness answers 503 (or the listener is gone, having answered 503 before); polls for up to 10 s.
    private static async Task<bool> WatchReadinessAsync(int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 200; i++)
        {
            try
            {
                using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/v2/health/ready"));
                if (ready.StatusCode == HttpStatusCode.ServiceUnavailable) return true;
            }
            catch (HttpRequestException)
            {
                return false; // the listener closed before a poll saw the drain
            }
            catch (TaskCanceledException)
            {
                // a slow answer on a loaded machine: poll again
            }
            await Task.Delay(50);
        }
        return false;
    }

    // `ssdlite serve ARGS` as a child, its stdout and stderr gathered into one log for the assertions' messages.
    private static (Process Server, StringBuilder Log) StartServe(params string[] args) => ServeChild.Start(args);

    private static async Task WaitReadyAsync(int port, Process server, StringBuilder log)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await ServeChild.WaitReadyAsync(client, server, log);
    }

    private static int FreePort() => ServeChild.FreePort();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
