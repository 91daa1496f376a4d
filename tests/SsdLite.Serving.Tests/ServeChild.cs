using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SsdLite.Serving.Tests;

/// <summary>A real <c>ssdlite serve</c> child process: starting it with its output collected, and waiting for readiness.</summary>
internal static class ServeChild
{
    public static (Process Server, StringBuilder Log) Start(params string[] args)
    {
        var server = Process.Start(TestData.SsdliteStart(["serve", .. args]))!;
        var log = new StringBuilder();
        server.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        return (server, log);
    }

    /// <summary>Polls <c>/v2/health/ready</c> through <paramref name="client"/> (its base address) for up to 60 s.</summary>
    public static async Task WaitReadyAsync(HttpClient client, Process server, StringBuilder log)
    {
        for (var i = 0; i < 600; i++)
        {
            Assert.False(server.HasExited, $"serve exited early: {log}");
            try
            {
                using var ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or too busy starting to answer within the client's timeout
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"serve was not ready in 60 s: {log}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
