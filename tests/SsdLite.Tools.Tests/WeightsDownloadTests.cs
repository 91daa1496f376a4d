using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SsdLite.Detection.Models;
using SsdLite.Tools.Weights;
using SsdLite.Core;

namespace SsdLite.Tools.Tests;

/// <summary>
/// Published weights fetched from a real HTTP server on loopback (HttpListener): fetched, verified, cached and not
/// fetched again; a wrong hash refused and removed; a transfer cut mid-way resumed with a range request; the mirror
/// as a folder and as a URL; an unpinned file checked by a strict load of a real reference checkpoint.
/// </summary>
public sealed class WeightsDownloadTests
{
    private static readonly byte[] Payload = RandomNumberGenerator.GetBytes(300_000);

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static PublishedWeights Entry(string url, string? sha, string name = "test-weights") =>
        new(name, name + ".pth", [url + name + ".pth"], sha, SsdArch.Mb2SsdLite, PublishedKind.Backbone, "test", "test");

    private static WeightsStore Store(string folder, string? mirror = null, Func<PublishedWeights, string, string?>? verify = null) =>
        new(folder, mirror, verify) { Progress = new DownloadProgress(TextWriter.Null, terminal: false, TimeSpan.FromSeconds(5)) };

    [Fact]
    public void AGoodFileIsFetchedVerifiedCachedAndNotFetchedAgain()
    {
        using var folder = new TempFolder("weights-good");
        using var server = new FileServer(Payload);
        var entry = Entry(server.Url, Sha(Payload));
        var store = Store(folder["cache"]);
        var path = store.Get(entry);
        Assert.Equal(Payload, File.ReadAllBytes(path));
        Assert.Equal(Path.Combine(folder["cache"], "test-weights.pth"), path);
        Assert.True(store.IsCached(entry));
        Assert.Single(server.Requests);
        Assert.Equal(path, Store(folder["cache"]).Get(entry));
        Assert.Single(server.Requests);
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public void AWrongHashIsRefusedWithBothHashesAndTheFileRemoved()
    {
        using var folder = new TempFolder("weights-bad");
        using var server = new FileServer(Payload);
        var wrong = new string('0', 64);
        var e = Assert.Throws<WeightsException>(() => Store(folder["cache"]).Get(Entry(server.Url, wrong)));
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.Contains(Sha(Payload), e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder["cache"]));
    }

    [Fact]
    public void ANameWithTorchvisionsHashSuffixIsCheckedAgainstIt()
    {
        using var folder = new TempFolder("weights-prefix");
        using var server = new FileServer(Payload);
        // No full hash, but the name claims one that the payload does not have.
        var entry = Entry(server.Url, null, "thing-00000000");
        Assert.Equal("00000000", entry.HashPrefix);
        var e = Assert.Throws<WeightsException>(() => Store(folder["cache"], verify: (_, _) => null).Get(entry));
        Assert.Contains("00000000", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder["cache"]));
    }

    [Fact]
    public void AnInterruptedTransferResumesWithARangeRequest()
    {
        using var folder = new TempFolder("weights-resume");
        using var server = new FileServer(Payload) { CutFirstAt = 120_000 };
        var path = Store(folder["cache"]).Get(Entry(server.Url, Sha(Payload)));
        Assert.Equal(Payload, File.ReadAllBytes(path));
        Assert.Equal(2, server.Requests.Count);
        Assert.Null(server.Requests[0]);
        // The second request asked only for what the first left out.
        Assert.Equal("bytes=120000-", server.Requests[1]);
    }

    [Fact]
    public void TheMirrorWorksAsAFolderAndAsAUrl()
    {
        using var folder = new TempFolder("weights-mirror");
        var mirrorFolder = folder["mirror"];
        Directory.CreateDirectory(mirrorFolder);
        File.WriteAllBytes(Path.Combine(mirrorFolder, "test-weights.pth"), Payload);
        // The published URL is unreachable (a closed port): only the mirror can serve it.
        var unreachable = $"http://127.0.0.1:{FileServer.FreePort()}/";
        var fromFolder = Store(folder["a"], mirrorFolder).Get(Entry(unreachable, Sha(Payload)));
        Assert.Equal(Payload, File.ReadAllBytes(fromFolder));

        using var server = new FileServer(Payload);
        var fromUrl = Store(folder["b"], server.Url.TrimEnd('/')).Get(Entry(unreachable, Sha(Payload)));
        Assert.Equal(Payload, File.ReadAllBytes(fromUrl));
        Assert.Single(server.Requests);

        var previous = (Environment.GetEnvironmentVariable(WeightsStore.HomeVariable), Environment.GetEnvironmentVariable(WeightsStore.MirrorVariable));
        try
        {
            Environment.SetEnvironmentVariable(WeightsStore.HomeVariable, folder["home"]);
            Environment.SetEnvironmentVariable(WeightsStore.MirrorVariable, mirrorFolder);
            var store = WeightsStore.FromEnvironment();
            Assert.Equal(Path.Combine(folder["home"], "weights"), store.Folder);
            Assert.Equal(mirrorFolder, store.Mirror);
        }
        finally
        {
            Environment.SetEnvironmentVariable(WeightsStore.HomeVariable, previous.Item1);
            Environment.SetEnvironmentVariable(WeightsStore.MirrorVariable, previous.Item2);
        }
    }

    [Fact]
    public void WithNoNetworkTheErrorNamesTheUrlAndTheMirrorVariable()
    {
        using var folder = new TempFolder("weights-offline");
        var url = $"http://127.0.0.1:{FileServer.FreePort()}/";
        var e = Assert.Throws<WeightsException>(() => Store(folder["cache"]).Get(Entry(url, Sha(Payload))));
        Assert.Contains(url + "test-weights.pth", e.Message, StringComparison.Ordinal);
        Assert.Contains(WeightsStore.MirrorVariable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnpinnedDetectorIsAcceptedOnlyWhenItLoadsStrictlyAsItsArchitecture()
    {
        using var folder = new TempFolder("weights-strict");
        var reference = File.ReadAllBytes(TestData.Oracle("trained-c7.pth"));
        using var server = new FileServer(reference);
        PublishedWeights Detector(SsdArch arch) => new("test-weights", "test-weights.pth", [server.Url + "test-weights.pth"], null, arch,
            PublishedKind.Detector, "test", "test");
        var path = Store(folder["good"]).Get(Detector(SsdArch.Mb2SsdLite));
        // The hash it had is recorded, so a later change of the cached file is caught.
        Assert.Equal(Sha(reference), File.ReadAllText(path + ".sha256").Trim());

        var e = Assert.Throws<WeightsException>(() => Store(folder["bad"]).Get(Detector(SsdArch.Mb1Ssd)));
        Assert.Contains("does not load as mb1-ssd", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder["bad"]));

        File.WriteAllBytes(path, Payload);
        var changed = Assert.Throws<WeightsException>(() => Store(folder["good"]).Get(Detector(SsdArch.Mb2SsdLite)));
        Assert.Contains(Sha(reference), changed.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void TheTableNamesEachPublishedFileByItsStemAndPinsTorchvisionsHash()
    {
        Assert.Equal(["mobilenet_v2-b0353104", "mb2-ssd-lite-mp-0_686", "mobilenet-v1-ssd-mp-0_675", "mb2-imagenet-71_8", "mobilenet_v1_with_relu_69_5"],
            WeightsTable.All.Select(w => w.Name));
        var torchvision = WeightsTable.Find("mobilenet_v2-b0353104.pth")!;
        Assert.StartsWith(torchvision.HashPrefix!, torchvision.Sha256!, StringComparison.Ordinal);
        Assert.All(WeightsTable.All, w => Assert.Equal(w.Name + ".pth", w.FileName));
        Assert.Equal(2, WeightsTable.Find("mb2-ssd-lite-mp-0_686")!.Urls.Count);
        Assert.Throws<FileNotFoundException>(() => WeightsResolver.Resolve("no-such-weights"));
    }

    /// <summary>A real HTTP server on a loopback port serving one payload, with range requests; records each request's Range.</summary>
    private sealed class FileServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly byte[] payload;
        private readonly Thread thread;

        public FileServer(byte[] payload)
        {
            this.payload = payload;
            Url = $"http://127.0.0.1:{FreePort()}/";
            listener.Prefixes.Add(Url);
            listener.Start();
            thread = new Thread(Serve) { IsBackground = true };
            thread.Start();
        }

        public string Url { get; }

        /// <summary>Cut the first response's body after this many bytes (the connection is aborted).</summary>
        public int CutFirstAt { get; init; } = -1;

        public List<string?> Requests { get; } = [];

        public static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        private void Serve()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = listener.GetContext();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var range = context.Request.Headers["Range"];
                bool first;
                lock (Requests)
                {
                    first = Requests.Count == 0;
                    Requests.Add(range);
                }
                var start = range is null ? 0 : int.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
                var response = context.Response;
                if (start > 0)
                {
                    response.StatusCode = 206;
                    response.Headers["Content-Range"] = $"bytes {start}-{payload.Length - 1}/{payload.Length}";
                }
                response.ContentLength64 = payload.Length - start;
                try
                {
                    if (first && CutFirstAt > 0)
                    {
                        response.OutputStream.Write(payload, 0, CutFirstAt);
                        response.OutputStream.Flush();
                        response.Abort();
                        continue;
                    }
                    response.OutputStream.Write(payload, start, payload.Length - start);
                    response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or IOException)
                {
                    response.Abort();
                }
            }
        }

        public void Dispose()
        {
            listener.Stop();
            listener.Close();
            thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}
