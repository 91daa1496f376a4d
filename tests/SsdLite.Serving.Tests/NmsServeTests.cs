using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SsdLite.Data;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Serving.Tests;

/// <summary>
/// <c>ssdlite serve</c> of a model exported with <c>--nms</c>: its metadata lists the file's outputs as ONNX Runtime
/// reports them, infer (JSON and binary, all outputs or a subset) returns the tensors ONNX Runtime computes in this
/// process, and <c>/v1/detect</c> answers the graph's own detections, computed here from those tensors. K is smaller
/// than the oracle image's detections, so an answer post-processed from the raw scores would have more rows.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class NmsServeTests(ModelFixture fixture)
{
    private const int K = 5;
    private const float Threshold = 0.1f;
    private const double Tolerance = 1e-6;
    private const string Name = "c7nms";

    private static Uri Infer => new($"/v2/models/{Name}/infer", UriKind.Relative);

    private sealed record Reference(string Datatype, long[] Shape, double[] Data);

    [Fact]
    public async Task ServeOfAnNmsExportAnswersOnnxRuntimesTensorsAndItsDetections()
    {
        using var temp = new TempFolder("serving-nms");
        var path = Export(temp["c7nms.onnx"]);
        var images = new[] { TestData.Oracle("image.jpg"), TestData.Images()[1] };
        float[] input;
        int size;
        using (var detector = OnnxDetector.Load(path))
        {
            input = detector.Preprocess([.. images.Select(ImageIO.Read)]);
            size = detector.InputSize;
        }
        using var session = new InferenceSession(path);
        var expected = Run(session, input, images.Length, size);
        var single = Run(session, input[..(3 * size * size)], 1, size);
        Assert.Equal(K, single["num_detections"].Data[0]); // K binds: the test image has more detections than the graph keeps
        Assert.True(fixture.Reference["image.jpg"]["detections"]!.AsArray().Count > K, "the plain model finds no more than K on the oracle image");

        var port = ServeChild.FreePort();
        var (server, log) = ServeChild.Start("--model", path, "--urls", $"http://127.0.0.1:{port}", "--drain-ms", "0");
        using var _ = server;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            await ServeChild.WaitReadyAsync(client, server, log);
            await CheckMetadataAsync(client, session);
            await CheckInferAsync(client, input, size, expected, single);
            for (var i = 0; i < images.Length; i++)
                await CheckDetectAsync(client, images[i], Run(session, input.AsSpan(i * 3 * size * size, 3 * size * size).ToArray(), 1, size));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
    }

    // The console's own export, at the comparison's threshold and a small K.
    private static string Export(string path)
    {
        var (code, output, error) = TestData.RunSsdlite(["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt"),
            "--format", "onnx", "--nms", "--max-detections", K.ToString(CultureInfo.InvariantCulture),
            "--score-threshold", Threshold.ToString(CultureInfo.InvariantCulture), "--out", path]);
        Assert.True(code == 0, output + error);
        return path;
    }

    // Every output ONNX Runtime computes in this process for the input, by name, as doubles.
    private static Dictionary<string, Reference> Run(InferenceSession session, float[] input, int images, int size)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, [images, 3, size, size]);
        using var runOptions = new RunOptions();
        var names = session.OutputMetadata.Keys.ToArray();
        using var outputs = session.Run(runOptions, ["input_0"], [value], names);
        var result = new Dictionary<string, Reference>();
        for (var i = 0; i < names.Length; i++)
        {
            var info = outputs[i].GetTensorTypeAndShape();
            var (datatype, data) = info.ElementDataType switch
            {
                TensorElementType.Float => ("FP32", outputs[i].GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray()),
                TensorElementType.Int32 => ("INT32", outputs[i].GetTensorDataAsSpan<int>().ToArray().Select(v => (double)v).ToArray()),
                var other => throw new InvalidDataException($"output {names[i]} is {other}"),
            };
            result[names[i]] = new Reference(datatype, info.Shape, data);
        }
        return result;
    }

    // The metadata's outputs are the file's, in its order, with its datatypes and dimensions (-1 where the file has a
    // symbolic one, as ONNX Runtime reports it).
    private static async Task CheckMetadataAsync(HttpClient client, InferenceSession session)
    {
        var meta = JsonNode.Parse(await client.GetStringAsync(new Uri($"/v2/models/{Name}", UriKind.Relative)))!;
        var outputs = meta["outputs"]!.AsArray();
        var file = session.OutputMetadata.ToList();
        Assert.Equal(file.Select(kv => kv.Key), outputs.Select(o => o!["name"]!.GetValue<string>()));
        foreach (var (name, node) in file)
        {
            var served = outputs.Single(o => o!["name"]!.GetValue<string>() == name)!;
            var datatype = node.ElementDataType switch { TensorElementType.Float => "FP32", TensorElementType.Int32 => "INT32", var t => t.ToString() };
            Assert.Equal(datatype, served["datatype"]!.GetValue<string>());
            Assert.Equal(node.Dimensions.Select(d => d > 0 ? (long)d : -1L), served["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
        }
        var nms = file.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal([-1], nms["num_detections"].Dimensions);
        Assert.Equal([-1, K, 4], nms["detection_boxes"].Dimensions);
        Assert.Equal([-1, K], nms["detection_scores"].Dimensions);
        Assert.Equal([-1, K], nms["detection_classes"].Dimensions);
        Assert.Equal(TensorElementType.Int32, nms["detection_classes"].ElementDataType);
    }

    private static async Task CheckInferAsync(HttpClient client, float[] input, int size, Dictionary<string, Reference> two, Dictionary<string, Reference> one)
    {
        long[] shapeOne = [1, 3, size, size];
        var first = input[..(3 * size * size)];

        // JSON, every output in the file's order.
        using (var response = await client.PostAsync(Infer, OipClient.Json("input_0", shapeOne, first, id: "nms-1")))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var (json, tensors) = await OipClient.ReadAsync(response);
            Assert.Equal("nms-1", json["id"]!.GetValue<string>());
            Assert.Equal(one.Keys, tensors.Keys);
            foreach (var name in tensors.Keys) AssertEqual(one[name], tensors[name], name);
        }

        // Binary, a batch of two, a subset in the order asked: classes binary, the count JSON.
        var content = OipClient.Binary("input_0", [2, 3, size, size], input, outputs: [new("detection_classes", Binary: true), new("num_detections")]);
        using (var response = await client.PostAsync(Infer, content))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var (_, tensors) = await OipClient.ReadAsync(response);
            Assert.Equal(["detection_classes", "num_detections"], tensors.Keys);
            foreach (var name in tensors.Keys) AssertEqual(two[name], tensors[name], name);
        }

        // JSON in, the boxes and scores binary.
        content = OipClient.Json("input_0", shapeOne, first, outputs: [new("detection_scores", Binary: true), new("detection_boxes", Binary: true)]);
        using (var response = await client.PostAsync(Infer, content))
        {
            var (_, tensors) = await OipClient.ReadAsync(response);
            Assert.Equal(["detection_scores", "detection_boxes"], tensors.Keys);
            foreach (var name in tensors.Keys) AssertEqual(one[name], tensors[name], name);
        }
    }

    private static void AssertEqual(Reference expected, OipClient.Tensor actual, string name)
    {
        Assert.Equal(expected.Datatype, actual.Datatype);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.Data.Length, actual.Data.Length);
        if (expected.Datatype == "INT32")
        {
            Assert.Equal(expected.Data, actual.Data);
            return;
        }
        var worst = expected.Data.Select((v, i) => Math.Abs(v - actual.Data[i])).DefaultIfEmpty(0).Max();
        Assert.True(worst <= Tolerance, $"{name}: largest difference {worst:g3} from ONNX Runtime in process");
    }

    // detect's answer is the first num_detections rows, class ids named by the labels file, boxes relative to the input
    // times the image's width and height, clamped to the image: what /v1/detect promises for a model's detections.
    private static async Task CheckDetectAsync(HttpClient client, string image, Dictionary<string, Reference> run)
    {
        var labels = Labels.Load(TestData.Oracle("labels-c7.txt")).Names;
        var (width, height) = SizeOf(image);
        var count = (int)run["num_detections"].Data[0];
        var answer = await Requests.DetectAsync(client, image);
        Assert.Equal(width, answer["width"]!.GetValue<int>());
        var detections = answer["detections"]!.AsArray();
        Assert.Equal(count, detections.Count);
        for (var r = 0; r < count; r++)
        {
            var d = detections[r]!;
            var classId = (int)run["detection_classes"].Data[r];
            var score = run["detection_scores"].Data[r];
            Assert.True(score > Threshold, $"row {r} has score {score}, not above the export's threshold");
            Assert.Equal(classId, d["class_id"]!.GetValue<int>());
            Assert.Equal(labels[classId - 1], d["label"]!.GetValue<string>());
            Assert.True(Math.Abs(score - d["score"]!.GetValue<double>()) <= Tolerance, $"{image} row {r}: score {d["score"]} against {score}");
            var box = d["box"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            for (var c = 0; c < 4; c++)
            {
                var side = c % 2 == 0 ? width : height;
                var want = Math.Clamp(run["detection_boxes"].Data[(r * 4) + c] * side, 0, side);
                Assert.True(Math.Abs(want - box[c]) <= Tolerance * side, $"{image} row {r} box[{c}]: {box[c]} against {want}");
            }
        }
    }

    private static (int Width, int Height) SizeOf(string path)
    {
        var image = ImageIO.Read(path);
        return (image.Width, image.Height);
    }
}
