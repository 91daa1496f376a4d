using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace SsdLite.Serving.Tests;

/// <summary>
/// Each refusal of the issue's table: its status, a JSON body whose error names the problem (never a stack trace),
/// its count in /metrics, and a correct answer from the same server right after.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class BadInputTests(ModelFixture fixture)
{
    private const long MaxBody = 256 * 1024;

    public static TheoryData<string> Cases => new(BadRequests.Keys);

    private static readonly Dictionary<string, Func<(HttpContent Content, int Status, string Reason, string Says)>> BadRequests = new()
    {
        ["body over max-body-bytes"] = () => (Requests.Raw(new byte[MaxBody + 1], "image/jpeg"), 413, "body_too_large", "--max-body-bytes"),
        ["multipart over max-body-bytes"] = () => (Requests.Multipart(new byte[MaxBody], "big.jpg"), 413, "body_too_large", "--max-body-bytes"),
        ["declared pixels over max-pixels"] = () => (Requests.Multipart(PngHeader.Declaring(60000, 60000), "bomb.png"), 413, "too_many_pixels",
            "60000x60000"),
        ["empty body"] = () => (Requests.Raw([], "image/jpeg"), 400, "bad_input", "empty"),
        ["empty form field"] = () => (Requests.Multipart([], "empty.jpg"), 400, "bad_input", "empty"),
        ["missing field"] = () => (Requests.Multipart(File.ReadAllBytes(TestData.Oracle("image.jpg")), "image.jpg", field: "photo"), 400,
            "bad_input", "'image'"),
        ["not an image"] = () => (Requests.Multipart(Encoding.UTF8.GetBytes("just some text, not a picture"), "notes.jpg"), 400, "bad_input",
            "not an image"),
        ["truncated image"] = () => (Requests.Multipart(File.ReadAllBytes(TestData.Oracle("image.jpg"))[..6000], "cut.jpg"), 400, "bad_input",
            "truncated"),
        ["text content type"] = () => (Requests.Raw(Encoding.UTF8.GetBytes("hello"), "text/plain"), 415, "unsupported_type", "text/plain"),
        ["image type not decoded"] = () => (Requests.Raw(File.ReadAllBytes(TestData.Oracle("image.jpg")), "image/tiff"), 415, "unsupported_type",
            "image/tiff"),
        ["no content type"] = () => (new ByteArrayContent(File.ReadAllBytes(TestData.Oracle("image.jpg"))), 415, "unsupported_type", "Content-Type"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachBadInputGetsItsStatusAndTheServerAnswersCorrectlyAfter(string name)
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBodyBytes = MaxBody });
        using var client = await factory.ReadyClientAsync();
        var (content, status, reason, says) = BadRequests[name]();
        using (content)
        using (var response = await client.PostAsync(Requests.Detect(), content))
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{name}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = JsonNode.Parse(text)!["error"]!.GetValue<string>();
            Assert.Contains(says, error, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(" at SsdLite.", error); // no stack trace
        }
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, Requests.Metric(metrics, $"ssdlite_rejections_total{{reason=\"{reason}\"}}"));
        Assert.Equal(1, Requests.Metric(metrics, $"ssdlite_detect_requests_total{{status=\"{status}\"}}"));

        var after = await Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
        Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), after["detections"]!.ToJsonString());
    }

    [Theory]
    [InlineData("score_threshold=2")]
    [InlineData("score_threshold=abc")]
    [InlineData("top_k=0")]
    public async Task BadQueryValuesGet400NamingTheParameter(string query)
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync(new Uri($"/v1/detect?{query}", UriKind.Relative), Requests.Multipart(TestData.Oracle("image.jpg")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(query.Split('=')[0], JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFullQueueGets503WithRetryAfterAndTheOthersTheirAnswers()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions { QueueLimit = 1, MaxBatch = 1, MaxQueueDelayMs = 0 });
        using var client = await factory.ReadyClientAsync();
        var path = TestData.Oracle("image.jpg");
        var responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => client.PostAsync(Requests.Detect(), Requests.Multipart(path))));
        var full = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        var served = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Equal(responses.Length, full.Count + served.Count);
        Assert.NotEmpty(full);
        Assert.NotEmpty(served);
        Assert.All(full, r => Assert.Equal(TimeSpan.FromSeconds(1), r.Headers.RetryAfter?.Delta));
        Assert.Contains("capacity", JsonNode.Parse(await full[0].Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        foreach (var ok in served)
        {
            var answer = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!;
            Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), answer["detections"]!.ToJsonString());
        }
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(full.Count, Requests.Metric(metrics, "ssdlite_rejections_total{reason=\"queue_full\"}"));
        foreach (var r in responses) r.Dispose();
        await Requests.DetectAsync(client, path);
    }

    [Fact]
    public async Task ARequestPastItsDeadlineGets504()
    {
        // The deadline runs from the request's arrival; the body's second half comes 200 ms after its first, so a 1 ms
        // deadline has passed, on any machine, before the request could reach the worker.
        await using var factory = new ServingFactory(fixture, new ServeOptions { TimeoutMs = 1 });
        using var client = await factory.ReadyClientAsync();
        using var response = await client.PostAsync(Requests.Detect(), Requests.SlowMultipart(TestData.Oracle("image.jpg"), TimeSpan.FromMilliseconds(200)));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("deadline", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(1, Requests.Metric(metrics, "ssdlite_rejections_total{reason=\"timeout\"}"));
    }

    [Fact]
    public async Task UnknownPathsAndMethodsAnswerJson()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions());
        using var client = await factory.ReadyClientAsync();
        using var missing = await client.GetAsync(new Uri("/v1/nothing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("/v1/nothing", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        using var wrongMethod = await client.GetAsync(Requests.Detect());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }
}
