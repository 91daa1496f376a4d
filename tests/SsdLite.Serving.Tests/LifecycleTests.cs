using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SsdLite.Serving.Tests;

/// <summary>
/// A decompression bomb costs no memory; readiness is 503 while the model warms up and again once shutdown begins,
/// while requests are still answered.
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class LifecycleTests(ModelFixture fixture)
{
    [Fact]
    public async Task A60000By60000PngHeaderIsRefusedWithoutMemoryRising()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        var bomb = PngHeader.Declaring(60000, 60000);
        Assert.True(bomb.Length < 200, $"{bomb.Length} bytes");
        // One bomb first, so that code paths and pools touched once (JIT, the form parser) are not counted.
        using (var first = await client.PostAsync(Requests.Detect(), Requests.Multipart(bomb, "bomb.png"))) Assert.Equal(HttpStatusCode.RequestEntityTooLarge, first.StatusCode);
        GC.Collect();
        var residentBefore = ServingMetrics.ResidentBytes();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsync(Requests.Detect(), Requests.Multipart(bomb, "bomb.png"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Contains("60000x60000 = 3600000000 pixels", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var resident = ServingMetrics.ResidentBytes() - residentBefore;
        // Decoding one would take 60000 * 60000 * 4 = 14.4 GB; 20 refusals stay within a few MB.
        Assert.True(resident < 8 << 20, $"resident memory rose by {resident / 1e6:0.0} MB");
        Assert.True(allocated < 8 << 20, $"{allocated / 1e6:0.0} MB allocated for 20 refusals");
    }

    [Fact]
    public async Task ReadinessIs503UntilTheWarmUpHasRunWhileLivenessAndDetectAnswer()
    {
        // The warm-up's requests wait for the gate, so the server is certainly not warm until the test opens it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBatch = 32 }, gate.Task);
        using var client = factory.CreateClient(); // starts the host; the warm-up starts on a pool thread
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using (var live = await client.GetAsync(new Uri("/v2/health/live", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using (var first = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative)))
        {
            Assert.True(first.StatusCode == HttpStatusCode.ServiceUnavailable, $"ready {(int)first.StatusCode} {clock.ElapsedMilliseconds} ms after start");
            Assert.Equal("warming up", JsonNode.Parse(await first.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }
        using (var model = await client.GetAsync(new Uri("/v2/models/c7/ready", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, model.StatusCode);

        // A request that arrives during the warm-up waits for the worker and gets the same answer as any other.
        var answer = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
        Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
        using (var still = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, still.StatusCode); // the model answered, but the request path is not warm

        gate.SetResult();
        var statuses = new List<HttpStatusCode>();
        while (statuses.Count == 0 || statuses[^1] != HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"not ready after 60 s: {string.Join(", ", statuses)}");
            using var ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            statuses.Add(ready.StatusCode);
            if (ready.StatusCode != HttpStatusCode.OK) await Task.Delay(10);
        }
        // Once ready it stays ready: readiness only turns back at shutdown.
        for (var i = 0; i < 5; i++)
        {
            using var again = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        // The warm-up's calls, at every batch size and then 200 marked requests through the whole pipeline, are neither requests nor
        // batches: the metrics count the one detect above, and every warm-up request has left the queue.
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(200, factory.Options.WarmUpRequests);
        Assert.Equal(1, Requests.Metric(metrics, "ssdlite_detect_requests_total{status=\"200\"}"));
        Assert.Equal(1, Requests.Metric(metrics, "ssdlite_batch_size_count"));
        Assert.Equal(0, Requests.Metric(metrics, "ssdlite_queue_depth"));
    }

    [Fact]
    public async Task ReadinessIs503DuringShutdownWhileRequestsAreStillAnswered()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions { DrainMs = 4_000 });
        using var client = await factory.ReadyClientAsync();
        var host = factory.Services.GetRequiredService<IHost>();
        var stopping = host.StopAsync();
        HttpResponseMessage? ready = null;
        for (var i = 0; i < 100 && ready?.StatusCode != HttpStatusCode.ServiceUnavailable; i++)
        {
            ready?.Dispose();
            ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            if (ready.StatusCode != HttpStatusCode.ServiceUnavailable) await Task.Delay(20);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready!.StatusCode);
        Assert.Equal("shutting down", JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        ready.Dispose();
        Assert.False(stopping.IsCompleted, "the drain holds the host open");
        // In the drain, requests in flight and late ones are still answered in full.
        var answer = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
        Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
    }
}

/// <summary>Tests that measure the process's memory run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LifecycleCollection : ICollectionFixture<ModelFixture>
{
    public const string Name = "lifecycle";
}
