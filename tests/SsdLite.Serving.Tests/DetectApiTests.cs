using System.Net;
using System.Text.Json.Nodes;
using SsdLite.Vision;

namespace SsdLite.Serving.Tests;

/// <summary>
/// The service in memory finds what the reference PyTorch implementation finds on the oracle image, answers as
/// <c>ssdlite detect --runtime onnx</c> does on every image, batches concurrent requests without
/// mixing their answers, and publishes its health, model metadata, metrics and OpenAPI document.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class DetectApiTests(ModelFixture fixture)
{
    /// <summary>
    /// The reference's own detections of the oracle image (its trained c7 checkpoint, threshold 0.1, top 10 per class),
    /// which no SsdLite code computed: labels in the same order, scores within 1e-5, and boxes within 0.05 px, the
    /// export parity's 1e-4 relative at 455x314, after clamping to the image as SsdLite does and the reference does not.
    /// </summary>
    [Fact]
    public async Task TheOracleImageGetsTheReferencesDetections()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync(new Uri("/v1/detect?score_threshold=0.1&top_k=10", UriKind.Relative),
            Requests.Multipart(TestData.Oracle("image.jpg")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var (width, height) = (answer["width"]!.GetValue<int>(), answer["height"]!.GetValue<int>());
        var served = answer["detections"]!.AsArray();
        var reference = JsonNode.Parse(File.ReadAllText(TestData.Oracle("detections-trained.json")))!["images"]![0]!["detections"]!.AsArray()
            .OrderByDescending(d => d!["score"]!.GetValue<double>()).ToList();
        Assert.Equal(12, reference.Count);
        Assert.Equal(reference.Count, served.Count);
        for (var i = 0; i < served.Count; i++)
        {
            var (ours, theirs) = (served[i]!, reference[i]!);
            Assert.Equal(theirs["label"]!.GetValue<string>(), ours["label"]!.GetValue<string>());
            var (score, expected) = (ours["score"]!.GetValue<double>(), theirs["score"]!.GetValue<double>());
            Assert.True(Math.Abs(score - expected) <= 1e-5, $"detection {i}: score {score} against the reference's {expected}");
            var box = ours["box"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var referenceBox = theirs["box"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            for (var k = 0; k < 4; k++)
            {
                var clamped = Math.Clamp(referenceBox[k], 0, k % 2 == 0 ? width : height);
                Assert.True(Math.Abs(clamped - box[k]) <= 0.05, $"detection {i} coordinate {k}: {box[k]} against the reference's {clamped}");
            }
        }
    }

    [Fact]
    public async Task JsonEqualsDetectOnTheSameImages()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        var total = 0;
        foreach (var path in TestData.Images())
        {
            var answer = await Requests.DetectAsync(client, path);
            var expected = fixture.Reference[Path.GetFileName(path)];
            Assert.Equal("c7", answer["model"]!.GetValue<string>());
            Assert.Equal(Path.GetFileName(path), answer["image"]!.GetValue<string>());
            Assert.Equal(expected["width"]!.GetValue<int>(), answer["width"]!.GetValue<int>());
            Assert.Equal(expected["height"]!.GetValue<int>(), answer["height"]!.GetValue<int>());
            // The raw JSON text: labels, class ids, and every score and box coordinate to the last digit written.
            Assert.Equal(expected["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
            total += answer["detections"]!.AsArray().Count;
        }
        Assert.True(fixture.Reference[Path.GetFileName(TestData.Oracle("image.jpg"))]["detections"]!.AsArray().Count >= 12,
            "the oracle image has a dozen detections above 0.1, so the comparison is not of empty lists");
        Assert.True(total >= 40, $"{total} detections over all images");
    }

    [Fact]
    public async Task RawBodyAnswersAsTheMultipartForm()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        var path = TestData.Oracle("image.jpg");
        using var response = await client.PostAsync(Requests.Detect(), Requests.Raw(File.ReadAllBytes(path), "image/jpeg"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
        Assert.Equal("body", answer["image"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConcurrentRequestsGetTheSequentialAnswersInBatches()
    {
        // A queue delay long enough that requests arriving together share a call even on a loaded machine, and room
        // for all 64 in the queue (this is about answers, not about refusals).
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBatch = 8, MaxQueueDelayMs = 30, QueueLimit = 64 });
        using var client = await factory.ReadyClientAsync();
        var images = TestData.Images().Take(16).ToList();
        var sequential = new Dictionary<string, string>();
        foreach (var path in images) sequential[path] = (await Requests.DetectAsync(client, path))["detections"]!.ToJsonString();

        var paths = Enumerable.Range(0, 64).Select(i => images[i % images.Count]).ToList();
        var answers = await Task.WhenAll(paths.Select(p => Requests.DetectAsync(client, p)));
        for (var i = 0; i < paths.Count; i++)
        {
            Assert.Equal(sequential[paths[i]], answers[i]["detections"]!.ToJsonString());
            Assert.Equal(Path.GetFileName(paths[i]), answers[i]["image"]!.GetValue<string>());
        }
        Assert.Contains(answers, a => a["batch_size"]!.GetValue<int>() > 1);

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var batches = Requests.Metric(metrics, "ssdlite_batch_size_count");
        var single = Requests.Metric(metrics, "ssdlite_batch_size_bucket{le=\"1\"}");
        Assert.True(batches - single > 0, $"{batches} batches, {single} of one request: none larger\n{metrics}");
        Assert.Equal(16 + 64, Requests.Metric(metrics, "ssdlite_batch_size_sum")); // every request ran in exactly one batch
        Assert.Equal(16 + 64, Requests.Metric(metrics, "ssdlite_detect_requests_total{status=\"200\"}"));
    }

    [Fact]
    public async Task ThresholdAndTopKFollowTheQuery()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        var path = TestData.Oracle("image.jpg");
        using var response = await client.PostAsync(new Uri("/v1/detect?score_threshold=0.1&top_k=1", UriKind.Relative), Requests.Multipart(path));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detections"]!.AsArray();
        var all = fixture.Reference["image.jpg"]["detections"]!.AsArray();
        // top_k=1 keeps each class's best detection: per label, the first of detect's list (sorted by score).
        var best = all.GroupBy(d => d!["label"]!.GetValue<string>()).Select(g => g.First()!.ToJsonString()).Order().ToList();
        Assert.Equal(best, answer.Select(d => d!.ToJsonString()).Order().ToList());
        Assert.True(answer.Count < all.Count);
    }

    [Theory]
    [InlineData("image/png")]
    [InlineData("image/jpeg")]
    public async Task AcceptAnImageTypeReturnsTheDrawnImage(string accept)
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        var path = TestData.Oracle("image.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, Requests.Detect()) { Content = Requests.Multipart(path) };
        request.Headers.Accept.ParseAdd(accept);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(accept, response.Content.Headers.ContentType!.MediaType);
        var drawn = ImageIO.Decode(await response.Content.ReadAsByteArrayAsync());
        var original = ImageIO.Read(path);
        Assert.Equal((original.Width, original.Height), (drawn.Width, drawn.Height));
        // The first detection's box edge is drawn in class colours, where the original has the photo's own pixels.
        var first = fixture.Reference["image.jpg"]["detections"]!.AsArray()[0]!["box"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        var (x, y) = ((int)MathF.Round((first[0] + first[2]) / 2), (int)MathF.Round(first[3]));
        Assert.NotEqual(original[x, y], drawn[x, y]);
    }

    [Fact]
    public async Task HealthMetadataAndOpenApiDescribeTheService()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBatch = 4 });
        using var client = await factory.ReadyClientAsync();
        using var live = await client.GetAsync(new Uri("/v2/health/live", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        var meta = JsonNode.Parse(await client.GetStringAsync(new Uri("/v2/models/c7", UriKind.Relative)))!;
        Assert.Equal("c7", meta["name"]!.GetValue<string>());
        Assert.Equal("input_0", meta["inputs"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("[-1,3,300,300]", meta["inputs"]![0]!["shape"]!.ToJsonString());
        Assert.Equal("[-1,3000,7]", meta["outputs"]![0]!["shape"]!.ToJsonString());
        Assert.Equal("[-1,3000,4]", meta["outputs"]![1]!["shape"]!.ToJsonString());
        var labels = File.ReadAllLines(TestData.Oracle("labels-c7.txt")).Where(l => l.Length > 0 && l != "BACKGROUND");
        Assert.Equal(labels, meta["classes"]!.AsArray().Select(c => c!.GetValue<string>()));

        using var missing = await client.GetAsync(new Uri("/v2/models/other", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("'other'", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());

        var openApi = JsonNode.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        Assert.NotNull(openApi["paths"]!["/v1/detect"]!["post"]);
        Assert.NotNull(openApi["paths"]!["/v2/health/ready"]);

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var family in new[] { "ssdlite_detect_request_duration_seconds", "ssdlite_queue_depth", "ssdlite_batch_size",
            "ssdlite_inference_duration_seconds", "process_resident_memory_bytes" })
        {
            Assert.Contains($"# TYPE {family} ", metrics);
        }
        Assert.True(Requests.Metric(metrics, "process_resident_memory_bytes") > 10e6);

        using var page = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("/v1/detect", await page.Content.ReadAsStringAsync());
    }
}
