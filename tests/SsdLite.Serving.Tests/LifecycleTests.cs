using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SsdLite.Serving.Tests;

/// <summary>A decompression bomb costs no memory, and shutdown turns readiness to 503 while requests are still answered.</summary>
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
