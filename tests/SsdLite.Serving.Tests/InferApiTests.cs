using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Serving.Tests;

/// <summary>
/// The Open Inference Protocol's infer call: JSON and binary requests from <see cref="OipClient"/> (written from the
/// specification) answer the tensors ONNX Runtime computes in this process for the same input; every malformed
/// request is a 400 or 404 naming its fault while the server stays ready; infer and detect requests share the
/// batcher's batches; the API key covers infer; and reading a 1x3x300x300 request costs about its own tensor.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class InferApiTests(ModelFixture fixture)
{
    private const double Tolerance = 1e-6;

    private static Uri Infer(string model = "c7") => new($"/v2/models/{model}/infer", UriKind.Relative);

    // The oracle image, and a second image, preprocessed as the test transform does: real pixels, not zeros.
    private (float[] Input, int Size) Images(int count)
    {
        using var detector = OnnxDetector.Load(fixture.OnnxPath);
        var paths = TestData.Images().Take(count).ToList();
        return (detector.Preprocess([.. paths.Select(ImageIO.Read)]), detector.InputSize);
    }

    // What ONNX Runtime returns in this process for the same input, by output name.
    private Dictionary<string, (long[] Shape, float[] Data)> Reference(float[] input, int images, int size)
    {
        using var session = new InferenceSession(fixture.OnnxPath);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [images, 3, size, size]);
        using var runOptions = new RunOptions();
        var names = session.OutputMetadata.Keys.ToArray();
        using var outputs = session.Run(runOptions, ["input_0"], [value], names);
        return names.Select((n, i) => (n, i)).ToDictionary(p => p.n,
            p => (outputs[p.i].GetTensorTypeAndShape().Shape, outputs[p.i].GetTensorDataAsSpan<float>().ToArray()));
    }

    private static void AssertEqual((long[] Shape, float[] Data) expected, OipClient.Tensor actual, string name)
    {
        Assert.Equal("FP32", actual.Datatype);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Data.Length, actual.Data.Length);
        var worst = expected.Data.Select((v, i) => Math.Abs(v - actual.Data[i])).Max();
        Assert.True(worst <= Tolerance, $"{name}: largest difference {worst:g3} from ONNX Runtime in process");
    }

    [Fact]
    public async Task JsonAndBinaryRequestsToTheServeProcessReturnOnnxRuntimesTensors()
    {
        var port = ServeChild.FreePort();
        var (server, log) = ServeChild.Start("--model", fixture.OnnxPath, "--urls", $"http://127.0.0.1:{port}", "--drain-ms", "0");
        using var _ = server;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            await ServeChild.WaitReadyAsync(client, server, log);
            var (one, size) = Images(1);
            var expectedOne = Reference(one, 1, size);
            long[] shapeOne = [1, 3, size, size];

            // JSON in, JSON out, every output since none is named, the id echoed.
            using (var response = await client.PostAsync(Infer(), OipClient.Json("input_0", shapeOne, one, id: "req-17")))
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                var (json, tensors) = await OipClient.ReadAsync(response);
                Assert.Equal("req-17", json["id"]!.GetValue<string>());
                Assert.Equal("c7", json["model_name"]!.GetValue<string>());
                Assert.Equal(["scores", "boxes"], tensors.Keys);
                foreach (var name in tensors.Keys) AssertEqual(expectedOne[name], tensors[name], name);
            }

            // Binary in, a batch of two; boxes binary and scores JSON, in the order asked; through /versions/1.
            var (two, _) = Images(2);
            var expectedTwo = Reference(two, 2, size);
            var content = OipClient.Binary("input_0", [2, 3, size, size], two, outputs: [new("boxes", Binary: true), new("scores")]);
            using (var response = await client.PostAsync(new Uri("/v2/models/c7/versions/1/infer", UriKind.Relative), content))
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                Assert.Equal("application/octet-stream", response.Content.Headers.ContentType!.MediaType);
                var (json, tensors) = await OipClient.ReadAsync(response);
                Assert.Null(json["id"]);
                Assert.Equal(["boxes", "scores"], json["outputs"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()));
                Assert.NotNull(json["outputs"]![0]!["parameters"]?["binary_data_size"]);
                Assert.Null(json["outputs"]![1]!["parameters"]);
                foreach (var name in tensors.Keys) AssertEqual(expectedTwo[name], tensors[name], name);
            }

            // Binary in, JSON out, one output asked for: only that one comes back.
            using (var response = await client.PostAsync(Infer(), OipClient.Binary("input_0", shapeOne, one, outputs: [new("boxes")])))
            {
                var (_, tensors) = await OipClient.ReadAsync(response);
                Assert.Equal(["boxes"], tensors.Keys);
                AssertEqual(expectedOne["boxes"], tensors["boxes"], "boxes");
            }

            var server2 = JsonNode.Parse(await client.GetStringAsync(new Uri("/v2", UriKind.Relative)))!;
            Assert.Contains("binary_tensor_data", server2["extensions"]!.AsArray().Select(e => e!.GetValue<string>()));
            var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Equal(3, Requests.Metric(metrics, "ssdlite_infer_requests_total{status=\"200\"}"));
            Assert.Equal(4, Requests.Metric(metrics, "ssdlite_batch_size_sum")); // 1 + 2 + 1 images
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task EachBadRequestIsRefusedWithItsFaultAndTheServerStaysReady()
    {
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBatch = 4 });
        using var client = await factory.ReadyClientAsync();
        var size = factory.Services.GetModel().Detector.InputSize;
        var image = new float[3 * size * size];
        long[] shape = [1, 3, size, size];
        var nan = (float[])image.Clone();
        nan[1234] = float.NaN;
        var infinite = (float[])image.Clone();
        infinite[7] = float.PositiveInfinity;

        var cases = new (string What, Uri Path, HttpContent Body, HttpStatusCode Status, string Says)[]
        {
            ("wrong input name", Infer(), OipClient.Json("images", shape, image), HttpStatusCode.BadRequest, "'images'"),
            ("wrong datatype", Infer(), Raw($$"""{"inputs":[{"name":"input_0","shape":[1,3,{{size}},{{size}}],"datatype":"FP16","data":[0]}]}"""),
                HttpStatusCode.BadRequest, "FP16"),
            ("wrong shape", Infer(), OipClient.Json("input_0", [1, 3, size - 1, size - 1], new float[3 * (size - 1) * (size - 1)]),
                HttpStatusCode.BadRequest, $"[1, 3, {size - 1}, {size - 1}]"),
            ("too few values", Infer(), OipClient.Json("input_0", shape, new float[100]), HttpStatusCode.BadRequest, "has 100 data values"),
            ("too many values", Infer(), OipClient.Json("input_0", shape, new float[image.Length + 1]), HttpStatusCode.BadRequest, "more data values"),
            ("a string among the values", Infer(), Raw($$"""{"inputs":[{"name":"input_0","shape":[1,3,{{size}},{{size}}],"datatype":"FP32","data":[0,"x"]}]}"""),
                HttpStatusCode.BadRequest, "string"),
            ("NaN in binary data", Infer(), OipClient.Binary("input_0", shape, nan), HttpStatusCode.BadRequest, "value 1234 is NaN"),
            ("infinity in binary data", Infer(), OipClient.Binary("input_0", shape, infinite), HttpStatusCode.BadRequest, "value 7 is"),
            ("binary_data_size that disagrees with the shape", Infer(), OipClient.Binary("input_0", shape, image, declaredSize: 12),
                HttpStatusCode.BadRequest, "binary_data_size 12"),
            ("batch over --max-batch", Infer(), OipClient.Binary("input_0", [5, 3, size, size], new float[5 * image.Length]),
                HttpStatusCode.BadRequest, "limit of 4"),
            ("unknown output", Infer(), OipClient.Json("input_0", shape, image, outputs: [new("logits")]), HttpStatusCode.BadRequest, "'logits'"),
            ("not JSON", Infer(), Raw("{\"inputs\": [ nope"), HttpStatusCode.BadRequest, "not valid JSON"),
            ("no inputs", Infer(), Raw("{\"id\": \"x\"}"), HttpStatusCode.BadRequest, "no inputs"),
            ("unknown model", Infer("c8"), OipClient.Json("input_0", shape, image), HttpStatusCode.NotFound, "'c8'"),
            ("unknown version", new Uri("/v2/models/c7/versions/2/infer", UriKind.Relative), OipClient.Json("input_0", shape, image),
                HttpStatusCode.NotFound, "version '2'"),
        };
        foreach (var (what, path, body, status, says) in cases)
        {
            using var response = await client.PostAsync(path, body);
            Assert.True(response.StatusCode == status, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.StartsWith("application/json", response.Content.Headers.ContentType!.ToString());
            var error = await OipClient.ErrorAsync(response);
            Assert.True(error.Contains(says, StringComparison.Ordinal), $"{what}: '{error}' does not say '{says}'");
            using var ready = await client.GetAsync(new Uri("/v2/health/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        using (var good = await client.PostAsync(Infer(), OipClient.Binary("input_0", shape, image)))
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(13, Requests.Metric(metrics, "ssdlite_infer_requests_total{status=\"400\"}"));
        Assert.Equal(2, Requests.Metric(metrics, "ssdlite_infer_requests_total{status=\"404\"}"));
        Assert.Equal(1, Requests.Metric(metrics, "ssdlite_batch_size_count")); // no refused request reached the model
    }

    [Fact]
    public async Task InferAndDetectRequestsAreBatchedTogether()
    {
        // A long queue delay, so that requests sent at once meet in the worker's gather (and few warm-up requests, which wait it out too).
        await using var factory = new ServingFactory(fixture, new ServeOptions { MaxBatch = 8, MaxQueueDelayMs = 400, WarmUpRequests = 8 });
        using var client = await factory.ReadyClientAsync();
        var (one, size) = Images(1);
        var expected = Reference(one, 1, size);
        var infers = Enumerable.Range(0, 3).Select(_ => client.PostAsync(Infer(), OipClient.Binary("input_0", [1, 3, size, size], one))).ToList();
        var detect = Requests.DetectAsync(client, TestData.Oracle("image.jpg"));
        var answers = await Task.WhenAll(infers);
        var detected = await detect;

        // The only detect request ran in a batch of more than one image: the others were infer requests.
        Assert.True(detected["batch_size"]!.GetValue<int>() > 1, $"detect ran in a batch of {detected["batch_size"]}");
        Assert.Equal(fixture.Reference["image.jpg"]["detections"]!.ToJsonString(), detected["detections"]!.ToJsonString());
        foreach (var answer in answers)
        {
            using (answer)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                var (_, tensors) = await OipClient.ReadAsync(answer);
                foreach (var name in tensors.Keys) AssertEqual(expected[name], tensors[name], name);
            }
        }
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var batches = Requests.Metric(metrics, "ssdlite_batch_size_count");
        Assert.Equal(4, Requests.Metric(metrics, "ssdlite_batch_size_sum"));
        Assert.True(batches < 4 && Requests.Metric(metrics, "ssdlite_batch_size_bucket{le=\"1\"}") < batches,
            $"four requests in {batches} batches:\n{metrics}");
        Assert.Equal(3, Requests.Metric(metrics, "ssdlite_infer_requests_total{status=\"200\"}"));
        Assert.Equal(1, Requests.Metric(metrics, "ssdlite_detect_requests_total{status=\"200\"}"));
    }

    [Fact]
    public async Task InferNeedsTheApiKey()
    {
        var folder = Directory.CreateTempSubdirectory("ssdlite-infer-auth-").FullName;
        try
        {
            var keys = Path.Combine(folder, "keys.txt");
            File.WriteAllLines(keys, ["infer-key-0123456789"]);
            await using var factory = new ServingFactory(fixture, new ServeOptions { ApiKeyFile = keys });
            using var client = await factory.ReadyClientAsync();
            var size = factory.Services.GetModel().Detector.InputSize;
            var image = new float[3 * size * size];
            foreach (var (key, status) in new[] { ((string?)null, HttpStatusCode.Unauthorized), ("wrong", HttpStatusCode.Unauthorized),
                ("infer-key-0123456789", HttpStatusCode.OK) })
            {
                foreach (var path in new[] { Infer(), new Uri("/v2/models/c7/versions/1/infer", UriKind.Relative) })
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = OipClient.Binary("input_0", [1, 3, size, size], image) };
                    if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var response = await client.SendAsync(request);
                    Assert.True(response.StatusCode == status, $"{path} with key '{key}': {(int)response.StatusCode}");
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ReadingA300PixelRequestCostsAboutItsOwnTensor()
    {
        var contract = new InferContract("m", 300, 8,
            [new TensorSpec("scores", "FP32", [-1, 3000, 7]), new TensorSpec("boxes", "FP32", [-1, 3000, 4])]);
        var values = new float[3 * 300 * 300];
        var random = new Random(29);
        for (var i = 0; i < values.Length; i++) values[i] = (random.NextSingle() * 255 - 127) / 128;
        var tensorBytes = values.Length * sizeof(float);
        var json = await OipClient.Json("input_0", [1, 3, 300, 300], values).ReadAsByteArrayAsync();
        var binaryContent = OipClient.Binary("input_0", [1, 3, 300, 300], values);
        var binary = await binaryContent.ReadAsByteArrayAsync();
        var headerLength = int.Parse(binaryContent.Headers.GetValues(OipClient.HeaderLength).Single(), System.Globalization.CultureInfo.InvariantCulture);

        foreach (var (form, body, header) in new[] { ("JSON", json, (int?)null), ("binary", binary, headerLength) })
        {
            // The first read may rent a new pooled buffer (2 MiB: the pool's size class above 1 MB); later reads reuse it.
            var (cold, parsed) = Measure(() => InferRequest.Parse(body, header, contract));
            var read = parsed.TakeInput();
            Assert.Equal(values, read.AsSpan(0, values.Length).ToArray());
            System.Buffers.ArrayPool<float>.Shared.Return(read);
            var (warm, again) = Measure(() => InferRequest.Parse(body, header, contract));
            again.Release();
            Assert.True(cold <= 3 * tensorBytes, $"{form}: the first read allocated {cold} bytes for a {tensorBytes}-byte tensor");
            Assert.True(warm <= 64 * 1024, $"{form}: a read with the pool warm allocated {warm} bytes for a {tensorBytes}-byte tensor");
        }
    }

    private static (long Bytes, T Result) Measure<T>(Func<T> run)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = run();
        return (GC.GetAllocatedBytesForCurrentThread() - before, result);
    }

    private static ByteArrayContent Raw(string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}

internal static class ServiceProviderModel
{
    public static ServedModel GetModel(this IServiceProvider services) =>
        (ServedModel)services.GetService(typeof(ServedModel))!;
}
