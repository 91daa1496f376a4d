using System.Text.Json;
using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Export;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;
using SsdLite.Tools.Models;
using SsdLite.Platform.Checkpoints;
using SsdLite.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Tools.Tests;

/// <summary>
/// <see cref="ModelFile"/>, the one loader of the commands and serve, on each kind of file: a checkpoint saved here,
/// the reference's trained c7 .pth, its ONNX export (under its own name and another), a torchvision backbone .pth, a
/// missing file and corrupt ones. Detections are held to the reference's own (detections-trained.json).
/// </summary>
[Collection("training")]
public sealed class ModelFileTests
{
    private static readonly string[] C7Names = ["circle", "square", "triangle", "star", "ring", "cross"];

    private static ModelFile C7Pth(SsdArch? arch = null) => ModelFile.Open(TestData.Oracle("trained-c7.pth"), TestData.Oracle("labels-c7.txt"), arch);

    [Fact]
    public void ASafetensorsFileWhoseFirstByteIsOnnxsIsStillWeights()
    {
        // A safetensors header of 8 mod 256 bytes starts the file with 0x08, an ONNX ModelProto's first byte: the
        // export, its header padded with spaces (the format allows them) to such a length.
        using var folder = new TempFolder("model-file-safetensors");
        using (var model = ModelFile.Open(TestData.Oracle("trained-c7.pth"), TestData.Oracle("labels-c7.txt")).Load(new NetworkRequest()))
            StateDictExporter.Export(model, folder["exported.safetensors"], StateDictFormat.Safetensors);
        var bytes = File.ReadAllBytes(folder["exported.safetensors"]);
        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var padded = length + ((8 - length % 256 + 256) % 256);
        var rewritten = new byte[8 + padded + (bytes.Length - 8 - length)];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(rewritten, (ulong)padded);
        bytes.AsSpan(8, length).CopyTo(rewritten.AsSpan(8));
        rewritten.AsSpan(8 + length, padded - length).Fill((byte)' ');
        bytes.AsSpan(8 + length).CopyTo(rewritten.AsSpan(8 + padded));
        File.WriteAllBytes(folder["w.weights"], rewritten);
        Assert.Equal(0x08, rewritten[0]);

        var file = ModelFile.Open(folder["w.weights"], TestData.Oracle("labels-c7.txt"));
        Assert.Equal(ModelFileKind.Weights, file.Kind);
        using var loaded = file.Load(new NetworkRequest());
        using var reference = ModelFile.Open(TestData.Oracle("trained-c7.pth"), TestData.Oracle("labels-c7.txt")).Load(new NetworkRequest());
        var expected = reference.state_dict();
        foreach (var (key, tensor) in loaded.state_dict()) Assert.True(tensor.eq(expected[key]).all().item<bool>(), key);
    }

    [Fact]
    public void ACheckpointSavedHereLoadsAsTheNetworkItWasAndAsADetector()
    {
        using var folder = new TempFolder("model-file-ckpt");
        torch.manual_seed(21);
        using var source = new SsdLiteModel(new SsdLiteConfig(["a", "b"], 0.25, 64, arch: SsdArch.Mb1SsdLite));
        var path = folder["m.ckpt"];
        Checkpoint.Save(path,
            source.state_dict().Select(kv => new KeyValuePair<string, Tensor>(ModelWeights.ModelPrefix + kv.Key, kv.Value)),
            new Dictionary<string, string> { [ModelWeights.ConfigKey] = source.Config.ToJson() });

        var file = ModelFile.Open(path);
        Assert.Equal(ModelFileKind.Weights, file.Kind);
        Assert.Null(file.ClassNames);
        using (var network = file.Load(new NetworkRequest()))
        {
            Assert.Equal(SsdArch.Mb1SsdLite, network.Config.Arch);
            Assert.Equal(0.25, network.Config.Width);
            Assert.Equal(new[] { "a", "b" }, network.Config.ClassNames);
            Assert.False(network.training);
            var saved = source.state_dict();
            var loaded = network.state_dict();
            Assert.Equal(saved.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, value) in saved) Assert.Equal(TensorBytes.Read(value), TensorBytes.Read(loaded[key]));
        }
        using (var detector = file.Load(new TorchDetectorRequest()))
            Assert.Equal(new[] { "a", "b" }, detector.ClassNames);
        using (var any = file.Load(new DetectorRequest(DetectorRuntime.Torch)))
            Assert.IsType<Detector>(any);

        File.WriteAllText(folder["three.txt"], "x\ny\nz\n");
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Open(path, folder["three.txt"]).Load(new NetworkRequest()));
        Assert.Equal($"{path} was trained for 2 classes, the labels name 3 (Parameter 'labels')", e.Message);
        e = Assert.Throws<ArgumentException>(() => ModelFile.Open(path, arch: SsdArch.Mb2SsdLite).Load(new TorchDetectorRequest()));
        Assert.Equal($"{path} is a mb1-ssd-lite checkpoint, not mb2-ssd-lite (Parameter 'arch')", e.Message);
    }

    [Fact]
    public void TheReferencePthGivesTheReferenceDetectionsThroughEveryRequest()
    {
        var file = C7Pth();
        Assert.Equal(ModelFileKind.Weights, file.Kind);
        Assert.Equal(C7Names, file.ClassNames);
        using (var network = file.Load(new NetworkRequest()))
        {
            Assert.Equal(SsdArch.Mb2SsdLite, network.Config.Arch);
            Assert.Equal(7, network.Config.ClassCountWithBackground);
        }
        using (var torchDetector = file.Load(new TorchDetectorRequest()))
            AssertReferenceDetections(torchDetector, 1e-5f);
        using (var viaRuntime = file.Load(new DetectorRequest(DetectorRuntime.Torch)))
            AssertReferenceDetections(viaRuntime, 1e-5f);
        // Exported in memory, as serve runs a checkpoint: ONNX Runtime's scores are within 1e-5 of libtorch's
        // (ExportCommandTests), which is within 1e-5 of the reference's.
        using (var inMemory = file.Load(new OnnxDetectorRequest()))
        {
            Assert.Equal(C7Names, inMemory.ClassNames);
            AssertReferenceDetections(inMemory, 2e-5f);
        }
        using (var onnxRuntime = file.Load(new DetectorRequest(DetectorRuntime.Onnx)))
            Assert.IsType<OnnxDetector>(onnxRuntime);
    }

    [Fact]
    public void TheReferencePthNeedsItsLabelsAndItsOwnArch()
    {
        var path = TestData.Oracle("trained-c7.pth");
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Open(path).Load(new NetworkRequest()));
        Assert.Equal($"{path} is a PyTorch state_dict for 6 object classes: give its labels file (Parameter 'labels')", e.Message);
        e = Assert.Throws<ArgumentException>(() => C7Pth(SsdArch.Mb1Ssd).Load(new TorchDetectorRequest()));
        Assert.Equal($"{path} has the keys of mb2-ssd-lite, not mb1-ssd (Parameter 'arch')", e.Message);
        // serve's path: the same refusal, not wrapped into another message.
        e = Assert.Throws<ArgumentException>(() => C7Pth(SsdArch.Mb1Ssd).Load(new OnnxDetectorRequest()));
        Assert.Equal($"{path} has the keys of mb2-ssd-lite, not mb1-ssd (Parameter 'arch')", e.Message);
    }

    [Fact]
    public void AnExportedOnnxIsToldByNameOrContentAndRunsOnlyInOnnxRuntime()
    {
        using var folder = new TempFolder("model-file-onnx");
        using (var model = Detector.LoadModel(TestData.Oracle("trained-c7.pth"), C7Names))
            OnnxExporter.Export(model, folder["c7.onnx"], new OnnxExportOptions { WriteLabels = false });
        File.Copy(folder["c7.onnx"], folder["c7.model"]);

        foreach (var path in new[] { folder["c7.onnx"], folder["c7.model"] })
        {
            var file = ModelFile.Open(path);
            Assert.Equal(ModelFileKind.Onnx, file.Kind);
            using (var detector = file.Load(new OnnxDetectorRequest()))
            {
                Assert.Equal(C7Names, detector.ClassNames);
                AssertReferenceDetections(detector, 2e-5f);
            }
            using (var any = file.Load(new DetectorRequest(DetectorRuntime.Onnx)))
                Assert.IsType<OnnxDetector>(any);
            var e = Assert.Throws<ArgumentException>(() => file.Load(new DetectorRequest(DetectorRuntime.Torch)));
            Assert.Equal($"{path} is an ONNX model: run it with --runtime onnx", e.Message);
            e = Assert.Throws<ArgumentException>(() => file.Load(new NetworkRequest()));
            Assert.Equal($"{path} is an ONNX model: this needs an SsdLite checkpoint or a PyTorch .pth", e.Message);
            e = Assert.Throws<ArgumentException>(() => file.Load(new TorchDetectorRequest()));
            Assert.Equal($"{path} is an ONNX model: this needs an SsdLite checkpoint or a PyTorch .pth", e.Message);
        }

        var onnx = folder["c7.onnx"];
        var wrongArch = Assert.Throws<ArgumentException>(() => ModelFile.Open(onnx, arch: SsdArch.Mb1Ssd).Load(new OnnxDetectorRequest()));
        Assert.Equal($"{onnx} was exported from mb2-ssd-lite, not mb1-ssd", wrongArch.Message);
        using (var named = ModelFile.Open(onnx, arch: SsdArch.Mb2SsdLite).Load(new OnnxDetectorRequest()))
            Assert.Equal(C7Names, named.ClassNames);
        var cuda = Assert.Throws<ArgumentException>(() => ModelFile.Open(onnx).Load(new DetectorRequest(DetectorRuntime.Onnx, "cuda")));
        Assert.StartsWith("--runtime onnx runs on the CPU", cuda.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATorchvisionBackboneIsRefusedAsNoDetector()
    {
        using var folder = new TempFolder("model-file-torchvision");
        var path = folder["mobilenet_v2.pth"];
        // torchvision's mobilenet_v2 state_dict keys (features.*, classifier.*), pickled as torch.save writes them.
        using (torch.NewDisposeScope())
        {
            var state = new Dictionary<string, Tensor>
            {
                ["features.0.0.weight"] = torch.zeros(32, 3, 3, 3),
                ["features.0.1.weight"] = torch.ones(32),
                ["classifier.1.weight"] = torch.zeros(10, 1280),
                ["classifier.1.bias"] = torch.zeros(10),
            };
            using var stream = File.Create(path);
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(stream, state);
        }
        var file = ModelFile.Open(path, TestData.Oracle("labels-c7.txt"));
        Assert.Equal(ModelFileKind.Weights, file.Kind);
        var expected = $"{path} holds torchvision mobilenet_v2 weights (a backbone, not a detector); use it with train --pretrained";
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => file.Load(new NetworkRequest())).Message);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => file.Load(new DetectorRequest(DetectorRuntime.Torch))).Message);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => file.Load(new OnnxDetectorRequest())).Message);
    }

    [Fact]
    public void MissingAndCorruptFilesAreNamedWithTheirProblem()
    {
        using var folder = new TempFolder("model-file-bad");
        var missing = folder["none.pth"];
        var notFound = Assert.Throws<FileNotFoundException>(() => ModelFile.Open(missing));
        Assert.Equal($"model file not found: {missing}", notFound.Message);
        var noLabels = Assert.Throws<FileNotFoundException>(() => ModelFile.Open(TestData.Oracle("trained-c7.pth"), folder["no-labels.txt"]));
        Assert.Equal($"labels file not found: {folder["no-labels.txt"]}", noLabels.Message);

        var text = folder["text.pth"];
        File.WriteAllText(text, "not weights");
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Open(text).Load(new NetworkRequest()));
        Assert.Equal($"{text}: neither an SsdLite checkpoint nor a PyTorch .pth or safetensors state_dict", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Open(text).Load(new OnnxDetectorRequest()));
        Assert.Equal($"{text}: neither an SsdLite checkpoint nor a PyTorch .pth or safetensors state_dict", e.Message);

        // The reference .pth cut in half: its zip directory is gone.
        var whole = File.ReadAllBytes(TestData.Oracle("trained-c7.pth"));
        var cut = folder["cut.pth"];
        File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
        var truncated = Assert.ThrowsAny<Exception>(() => ModelFile.Open(cut, TestData.Oracle("labels-c7.txt")).Load(new TorchDetectorRequest()));
        Assert.True(truncated is InvalidDataException, truncated.ToString());
        Assert.Contains(cut, truncated.Message, StringComparison.Ordinal);

        var garbage = folder["garbage.onnx"];
        File.WriteAllText(garbage, "not a model");
        Assert.Equal(ModelFileKind.Onnx, ModelFile.Open(garbage).Kind);
        e = Assert.Throws<InvalidDataException>(() => ModelFile.Open(garbage).Load(new OnnxDetectorRequest()));
        Assert.Contains(garbage, e.Message, StringComparison.Ordinal);
        Assert.Contains("not a model ONNX Runtime can load", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DetectWithOnnxRuntimeRunsAPthExportedInMemory()
    {
        using var folder = new TempFolder("model-file-detect");
        var (code, _, error) = CommandTests.Invoke("detect", "--runtime", "onnx", "--weights", TestData.Oracle("trained-c7.pth"),
            "--labels", TestData.Oracle("labels-c7.txt"), "--score-threshold", "0.1", "--top-k", "10", "--json", folder["d.json"], TestData.Oracle("image.jpg"));
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(folder["d.json"]));
        var entry = doc.RootElement[0];
        var found = entry.GetProperty("detections").EnumerateArray().Select(ParseDetection).ToList();
        AssertReference(found, entry.GetProperty("width").GetInt32(), entry.GetProperty("height").GetInt32(), 2e-5f);
        Assert.False(Directory.EnumerateFiles(Path.GetDirectoryName(TestData.Oracle("trained-c7.pth"))!, "*.onnx").Any(), "nothing written beside it");
    }

    /// <summary>The detector's detections of image.jpg at the reference's settings against the reference's own.</summary>
    private static void AssertReferenceDetections(IObjectDetector detector, float scoreTolerance)
    {
        detector.PostProcessor = new PostProcessor(scoreThreshold: 0.1f, iouThreshold: 0.45f, candidateSize: 200, topK: 10,
            labels: ClassLabels.WithBackground(detector.ClassNames));
        var image = ImageIO.Read(TestData.Oracle("image.jpg"));
        var found = detector.Detect(image).Select(d => (d.Label!, d.Score, new[] { d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax })).ToList();
        AssertReference(found, image.Width, image.Height, scoreTolerance);
    }

    private static (string Label, float Score, float[] Box) ParseDetection(JsonElement d) =>
        (d.GetProperty("label").GetString()!, d.GetProperty("score").GetSingle(), d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray());

    private static void AssertReference(List<(string Label, float Score, float[] Box)> found, int width, int height, float scoreTolerance)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Oracle("detections-trained.json")));
        var reference = doc.RootElement.GetProperty("images")[0];
        Assert.Equal(reference.GetProperty("width").GetInt32(), width);
        Assert.Equal(reference.GetProperty("height").GetInt32(), height);
        var expected = reference.GetProperty("detections").EnumerateArray().Select(ParseDetection).OrderByDescending(d => d.Score).ToList();
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected.Count, found.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, found[i].Label);
            Assert.True(Math.Abs(expected[i].Score - found[i].Score) <= scoreTolerance, $"detection {i}: score {found[i].Score} vs {expected[i].Score}");
            // The reference does not clamp; the project clamps to the image after NMS.
            var e = expected[i].Box;
            float[] clamped = [Math.Clamp(e[0], 0, width), Math.Clamp(e[1], 0, height), Math.Clamp(e[2], 0, width), Math.Clamp(e[3], 0, height)];
            for (var k = 0; k < 4; k++)
                Assert.True(Math.Abs(clamped[k] - found[i].Box[k]) <= 0.05, $"detection {i} coordinate {k}: {found[i].Box[k]} vs {clamped[k]}");
        }
    }
}
