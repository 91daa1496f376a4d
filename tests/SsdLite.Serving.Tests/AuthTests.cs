using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace SsdLite.Serving.Tests;

/// <summary>
/// <c>--api-key-file</c>: 401 with a JSON error and WWW-Authenticate without a key, 200 with one, health open, the
/// refusals counted, the key file re-read on change; <c>--https-cert</c>: HTTPS with a self-signed certificate made here.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class AuthTests(ModelFixture fixture) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("ssdlite-auth-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string KeyFile(params string[] lines)
    {
        var path = Path.Combine(folder, "keys.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static HttpRequestMessage Get(string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Fact]
    public async Task ProtectedPathsNeedAKeyAndProbesStayOpen()
    {
        var keys = KeyFile("# the test's keys", "", "first-key-0123456789", "second-key-abcdef");
        await using var factory = new ServingFactory(fixture, new ServeOptions { ApiKeyFile = keys });
        using var client = await factory.ReadyClientAsync(); // readiness answers without a key

        using (var live = await client.GetAsync(new Uri("/v2/health/live", UriKind.Relative))) Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var modelReady = await client.GetAsync(new Uri("/v2/models/c7/ready", UriKind.Relative))) Assert.Equal(HttpStatusCode.OK, modelReady.StatusCode);

        var image = TestData.Oracle("image.jpg");
        using (var noKey = await client.PostAsync(Requests.Detect(), Requests.Multipart(image)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
            Assert.Equal("Bearer realm=\"ssdlite\"", Assert.Single(noKey.Headers.WwwAuthenticate).ToString());
            Assert.StartsWith("application/json", noKey.Content.Headers.ContentType!.ToString());
            Assert.Contains("Authorization: Bearer", JsonNode.Parse(await noKey.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }
        foreach (var (path, key) in new[] { ("/v2/models/c7", (string?)null), ("/metrics", null), ("/v2/models/c7", "first-key-012345678"), ("/metrics", "wrong") })
        {
            using var refused = await client.SendAsync(Get(path, key));
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path} with key '{key}': {(int)refused.StatusCode}");
        }

        using (var detect = new HttpRequestMessage(HttpMethod.Post, Requests.Detect()) { Content = Requests.Multipart(image) })
        {
            detect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "second-key-abcdef");
            using var answered = await client.SendAsync(detect);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(),
                JsonNode.Parse(await answered.Content.ReadAsStringAsync())!["detections"]!.ToJsonString());
        }
        using (var metadata = await client.SendAsync(Get("/v2/models/c7", "first-key-0123456789"))) Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        using var metrics = await client.SendAsync(Get("/metrics", "first-key-0123456789"));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        // One detect without a key, then four refusals on metadata and metrics (a wrong key is a refusal too).
        Assert.Equal(5, Requests.Metric(await metrics.Content.ReadAsStringAsync(), "ssdlite_rejections_total{reason=\"unauthorized\"}"));
    }

    [Fact]
    public async Task TheKeyFileIsReadAgainWhenItChanges()
    {
        var keys = KeyFile("old-key");
        await using var factory = new ServingFactory(fixture, new ServeOptions { ApiKeyFile = keys });
        using var client = await factory.ReadyClientAsync();
        using (var before = await client.SendAsync(Get("/metrics", "old-key"))) Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        File.WriteAllLines(keys, ["new-key", "another"]);
        File.SetLastWriteTimeUtc(keys, DateTime.UtcNow.AddSeconds(5)); // a change even within the file system's time resolution
        using (var revoked = await client.SendAsync(Get("/metrics", "old-key"))) Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        using (var added = await client.SendAsync(Get("/metrics", "new-key"))) Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        File.Delete(keys); // fail closed
        using (var gone = await client.SendAsync(Get("/metrics", "new-key"))) Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
    }

    [Fact]
    public void KeysCompareWholeAndAnEmptyFileIsRefused()
    {
        var keys = new ApiKeys(KeyFile("  spaced-key  ", "#comment"));
        Assert.Equal(1, keys.Count);
        Assert.True(keys.Accepts("spaced-key"));
        Assert.False(keys.Accepts("spaced-ke"));
        Assert.False(keys.Accepts("spaced-key2"));
        Assert.False(keys.Accepts("#comment"));
        Assert.False(keys.Accepts(""));
        Assert.Throws<ArgumentException>(() => new ApiKeys(KeyFile("# only a comment", "")));
    }

    [Fact]
    public void ServingBeyondLoopbackWithoutAKeyIsWarnedAbout()
    {
        Assert.Empty(new ServeOptions { Urls = "http://127.0.0.1:8080;http://localhost:8081;http://[::1]:8082" }.SecurityWarnings());
        var open = new ServeOptions { Urls = "http://0.0.0.0:8080" }.SecurityWarnings();
        Assert.Equal(2, open.Count);
        Assert.Contains("no --api-key-file", open[0]);
        Assert.Contains("plain http", open[1]);
        Assert.Contains("no --api-key-file", Assert.Single(new ServeOptions { Urls = "https://*:8443" }.SecurityWarnings()));
        Assert.Empty(new ServeOptions { Urls = "https://+:8443", ApiKeyFile = "keys" }.SecurityWarnings());
    }

    [Fact]
    public async Task HttpsAnswersWithTheTestCertificate()
    {
        // A self-signed certificate for 127.0.0.1, written as PEM certificate and key, and as a PKCS#12 file.
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=ssdlite-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var pem = Path.Combine(folder, "server.pem");
        var key = Path.Combine(folder, "server.key");
        var pfx = Path.Combine(folder, "server.pfx");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx));
        var keys = KeyFile("https-key");

        foreach (var certificateArgs in new[] { new[] { "--https-cert", pem, "--https-key", key }, ["--https-cert", pfx] })
        {
            var port = ServeChild.FreePort();
            var (server, log) = ServeChild.Start(["--model", fixture.OnnxPath, "--urls", $"https://127.0.0.1:{port}",
                "--api-key-file", keys, "--drain-ms", "0", .. certificateArgs]);
            using var _ = server;
            try
            {
                string? presented = null;
                using var handler = new HttpClientHandler
                {
                    ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                    {
                        presented = cert?.Thumbprint;
                        return cert?.Thumbprint == certificate.Thumbprint;
                    },
                };
                using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
                await ServeChild.WaitReadyAsync(client, server, log);
                Assert.Equal(certificate.Thumbprint, presented);
                using (var refused = await client.SendAsync(Get("/metrics", null))) Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                using var detect = new HttpRequestMessage(HttpMethod.Post, Requests.Detect()) { Content = Requests.Multipart(TestData.Oracle("image.jpg")) };
                detect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "https-key");
                using var answered = await client.SendAsync(detect);
                Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
                Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(),
                    JsonNode.Parse(await answered.Content.ReadAsStringAsync())!["detections"]!.ToJsonString());
            }
            finally
            {
                if (!server.HasExited) server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }
        }
    }
}
