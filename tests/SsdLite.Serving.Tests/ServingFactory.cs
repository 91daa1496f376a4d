using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SsdLite.Serving.Tests;

/// <summary>
/// The service in memory (WebApplicationFactory over TestServer), built by the same <see cref="ServingHost.CreateHostBuilder"/>
/// as <c>ssdlite serve</c>; it owns the model's session and disposes it after the host. WebApplicationFactory asks
/// for a type of an assembly with an entry point and a deps file: this test assembly's (the test SDK generates its
/// Main), whose output folder is also the content root.
/// </summary>
internal sealed class ServingFactory : WebApplicationFactory<ModelFixture>
{
    private readonly ServedModel model;
    private readonly ServeOptions options;
    private readonly Task? warmUpGate;

    static ServingFactory() =>
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_SSDLITE_SERVING_TESTS", AppContext.BaseDirectory);

    /// <param name="fixture">The model served.</param>
    /// <param name="options">The server's options.</param>
    /// <param name="warmUpGate">
    /// When given, the warm-up's requests wait for it to complete, so that a test sees the server before its warm-up
    /// has run, for certain, and decides when it ends.
    /// </param>
    public ServingFactory(ModelFixture fixture, ServeOptions options, Task? warmUpGate = null)
    {
        this.options = options;
        this.warmUpGate = warmUpGate;
        model = fixture.Open();
    }

    public ServeOptions Options => options;

    protected override IHostBuilder CreateHostBuilder() => ServingHost.CreateHostBuilder(options, model);

    // TestServer has no listener: the warm-up's requests go through its in-memory handler, the whole pipeline still.
    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.AddSingleton(new WarmUpRoute(server => WarmUpClient((TestServer)server))));

    private HttpClient WarmUpClient(TestServer server) => warmUpGate is null
        ? server.CreateClient()
        : new HttpClient(new GatedHandler(warmUpGate, server.CreateHandler())) { BaseAddress = server.BaseAddress };

    private sealed class GatedHandler(Task gate, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await gate.WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A client once readiness says 200 (the warm-up has run).</summary>
    public async Task<HttpClient> ReadyClientAsync()
    {
        var client = CreateClient();
        for (var i = 0; i < 600; i++)
        {
            using var ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            if (ready.StatusCode == HttpStatusCode.OK) return client;
            await Task.Delay(50);
        }
        throw new TimeoutException("the server did not become ready in 30 s");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) model.Detector.Dispose();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        model.Detector.Dispose();
    }
}

/// <summary>Requests as a client writes them.</summary>
internal static class Requests
{
    public static HttpContent Multipart(string path) => Multipart(File.ReadAllBytes(path), Path.GetFileName(path));

    public static HttpContent Multipart(byte[] bytes, string fileName, string field = "image")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, field, fileName);
        return form;
    }

    /// <summary>
    /// The multipart form of <paramref name="path"/>, sent in two halves with <paramref name="pause"/> between them
    /// and no declared length: the server has the request's head well before its body ends.
    /// </summary>
    public static HttpContent SlowMultipart(string path, TimeSpan pause) => new SlowContent(Multipart(path), pause);

    private sealed class SlowContent : HttpContent
    {
        private readonly HttpContent inner;
        private readonly TimeSpan pause;

        public SlowContent(HttpContent inner, TimeSpan pause)
        {
            (this.inner, this.pause) = (inner, pause);
            Headers.ContentType = inner.Headers.ContentType;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = await inner.ReadAsByteArrayAsync();
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(pause);
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }

    public static HttpContent Raw(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    public static Uri Detect(string? threshold = ModelFixture.Threshold) =>
        new(threshold is null ? "/v1/detect" : $"/v1/detect?score_threshold={threshold}", UriKind.Relative);

    public static async Task<JsonObject> DetectAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(Detect(), Multipart(path));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{Path.GetFileName(path)}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The value of a sample line (<c>name{labels} value</c>) in Prometheus text; 0 when absent.</summary>
    public static double Metric(string text, string sample)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }
}
