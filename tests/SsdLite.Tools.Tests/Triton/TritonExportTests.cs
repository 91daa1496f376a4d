using Microsoft.ML.OnnxRuntime;
using SsdLite.Serving;
using SsdLite.Tools.Tests.Triton.Schema;

namespace SsdLite.Tools.Tests.Triton;

/// <summary>
/// <c>ssdlite export --format triton</c> through the real command line on the reference's trained c7 detector. Each
/// config.pbtxt is parsed against the descriptors of Triton's own inference.ModelConfig fields
/// (model_config_subset.proto), and its tensors are held to what ONNX Runtime reports for the model.onnx beside it.
/// </summary>
[Collection("training")]
public sealed class TritonExportTests
{
    private static readonly string[] C7 = ["export", "--weights", TestData.Oracle("trained-c7.pth"), "--labels", TestData.Oracle("labels-c7.txt")];

    private static string Tiny(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Data", "from-main", "tiny", .. parts]);

    [Fact]
    public void APlainExportIsARepositoryWhoseConfigMatchesTheOnnxFile()
    {
        using var folder = new TempFolder("triton-plain");
        var (code, stdout, error) = CommandTests.Invoke([.. C7, "--format", "triton", "--out", folder["repo"]]);
        Assert.True(code == 0, error);
        Assert.Contains("config.pbtxt", stdout);

        // The model is named after the weights file, and batches as serve does by default.
        var config = AssertRepository(folder["repo"], "trained-c7", new ServeOptions().MaxBatch);
        Assert.Equal(["scores", "boxes"], config.Output.Select(o => o.Name));
        Assert.Equal(new long[] { 3000, 7 }, config.Output[0].Dims);
        Assert.Equal(new long[] { 3, 300, 300 }, config.Input[0].Dims);
        Assert.Equal(ModelInput.Types.Format.Nchw, config.Input[0].Format);
        Assert.Equal("labels.txt", config.Output.Single(o => o.Name == "scores").LabelFilename);
    }

    [Fact]
    public void AnNmsExportDeclaresTheFourDetectionOutputsWithTheirIntegerTypes()
    {
        using var folder = new TempFolder("triton-nms");
        var (code, _, error) = CommandTests.Invoke([.. C7, "--format", "triton", "--nms", "--max-detections", "50", "--out", folder["repo"],
            "--model-name", "c7-nms", "--max-batch", "4"]);
        Assert.True(code == 0, error);

        var config = AssertRepository(folder["repo"], "c7-nms", 4);
        foreach (var name in new[] { "num_detections", "detection_boxes", "detection_scores", "detection_classes" })
            Assert.Contains(config.Output, o => o.Name == name);
        var count = config.Output.Single(o => o.Name == "num_detections");
        Assert.Equal(DataType.TypeInt32, count.DataType);
        // A tensor that is only the batch dimension: Triton's form is dims [1] reshaped to [].
        Assert.Equal(new long[] { 1 }, count.Dims);
        Assert.NotNull(count.Reshape);
        Assert.Empty(count.Reshape.Shape);
        Assert.Equal(new long[] { 50, 4 }, config.Output.Single(o => o.Name == "detection_boxes").Dims);
        Assert.Equal(DataType.TypeInt32, config.Output.Single(o => o.Name == "detection_classes").DataType);
        Assert.Equal("labels.txt", config.Output.Single(o => o.Name == "detection_classes").LabelFilename);
    }

    [Fact]
    public void Int8ExportsWithAndWithoutNmsAreRepositoriesToo()
    {
        using var folder = new TempFolder("triton-int8");
        var calibration = Directory.CreateDirectory(folder["calibration"]).FullName;
        foreach (var id in File.ReadAllLines(Tiny("ImageSets", "Main", "train.txt")).Where(l => l.Trim().Length > 0).Take(8))
            File.Copy(Tiny("JPEGImages", id.Trim() + ".jpg"), Path.Combine(calibration, id.Trim() + ".jpg"));
        string[] int8 = [.. C7, "--format", "triton", "--int8", "--calibration", calibration, "--out", folder["repo"]];

        var (code, stdout, error) = CommandTests.Invoke([.. int8, "--model-name", "c7_int8"]);
        Assert.True(code == 0, error);
        Assert.Contains("calibrated on 8 images", stdout);
        var plain = AssertRepository(folder["repo"], "c7_int8", new ServeOptions().MaxBatch);
        Assert.Equal(["scores", "boxes"], plain.Output.Select(o => o.Name));

        (code, _, error) = CommandTests.Invoke([.. int8, "--nms", "--model-name", "c7_int8_nms"]);
        Assert.True(code == 0, error);
        var nms = AssertRepository(folder["repo"], "c7_int8_nms", new ServeOptions().MaxBatch);
        Assert.Contains(nms.Output, o => o.Name == "num_detections");

        // Both are the quantised graph, and the first repository's model is still there beside the second.
        foreach (var name in new[] { "c7_int8", "c7_int8_nms" })
        {
            using var session = new InferenceSession(Path.Combine(folder["repo"], name, "1", "model.onnx"));
            Assert.Contains(session.ModelMetadata.CustomMetadataMap.Keys, k => k == "quantization");
        }
    }

    [Fact]
    public void BadOptionsGetOneClearLineAndWriteNothing()
    {
        using var folder = new TempFolder("triton-bad");
        var repo = folder["repo"];
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--batch", "4"], "--batch 4 fixes the ONNX batch dimension", "max_batch_size 8");
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--batch", "2", "--max-batch", "2"], "--batch 2 fixes", "max_batch_size 2");
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--model-name", "c7/v2"], "--model-name 'c7/v2' cannot name a Triton model");
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--model-name", ".hidden"], "cannot name a Triton model", "start with a letter or digit");
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--model-name", new string('m', 129)], "129 characters, over 128");
        AssertFails([.. C7, "--format", "triton", "--out", repo, "--max-batch", "0"], "--max-batch must be at least 1, got 0");
        AssertFails([.. C7, "--format", "triton"], "--out");
        AssertFails([.. C7, "--format", "onnx", "--out", folder["x.onnx"], "--model-name", "c7"], "add --format triton");
        AssertFails([.. C7, "--out", folder["x.onnx"], "--max-batch", "4"], "add --format triton");
        File.WriteAllText(folder["file"], "");
        AssertFails([.. C7, "--format", "triton", "--out", folder["file"]], $"--out {folder["file"]} is a file");
        Assert.False(Directory.Exists(repo));
        Assert.False(File.Exists(folder["x.onnx"]));
    }

    [Fact]
    public void TheDefaultNameIsTheWeightsStemWithWhatTritonRefusesReplaced()
    {
        Assert.Equal("trained-c7", SsdLite.Export.Triton.TritonModelName.FromWeights("/x/trained-c7.pth"));
        Assert.Equal("my_model_v2", SsdLite.Export.Triton.TritonModelName.FromWeights("/x/my model+v2.ckpt"));
        Assert.Equal("run.best", SsdLite.Export.Triton.TritonModelName.FromWeights("/x/_run.best.ckpt"));
        Assert.Equal("ssdlite", SsdLite.Export.Triton.TritonModelName.FromWeights("/x/___.pth"));
        Assert.Equal("mb2-ssd-lite-voc", SsdLite.Export.Triton.TritonModelName.FromWeights("mb2-ssd-lite-voc"));
    }

    /// <summary>
    /// Parses REPO/NAME/config.pbtxt against the schema and holds each field SsdLite writes to its expectation: the
    /// tensors to ONNX Runtime's view of REPO/NAME/1/model.onnx (batch dimension dropped), the batching to serve's.
    /// </summary>
    private static ModelConfig AssertRepository(string repo, string name, int maxBatch)
    {
        var modelFolder = Path.Combine(repo, name);
        var config = ProtoTextParser.Parse<ModelConfig>(File.ReadAllText(Path.Combine(modelFolder, "config.pbtxt")));
        Assert.Equal(name, config.Name);
        Assert.Equal("onnxruntime_onnx", config.Platform);
        Assert.Equal(maxBatch, config.MaxBatchSize);

        var serve = new ServeOptions();
        Assert.Equal(ModelConfig.SchedulingChoiceOneofCase.DynamicBatching, config.SchedulingChoiceCase);
        Assert.Equal([maxBatch], config.DynamicBatching.PreferredBatchSize);
        Assert.Equal((ulong)(serve.MaxQueueDelayMs * 1000), config.DynamicBatching.MaxQueueDelayMicroseconds);
        var group = Assert.Single(config.InstanceGroup);
        Assert.Equal(ModelInstanceGroup.Types.Kind.Cpu, group.Kind);
        Assert.Equal(1, group.Count);

        using var session = new InferenceSession(Path.Combine(modelFolder, "1", "model.onnx"));
        AssertTensors(session.InputMetadata, config.Input.Select(i => (i.Name, i.DataType, i.Dims, (ModelTensorReshape?)i.Reshape)).ToList());
        AssertTensors(session.OutputMetadata, config.Output.Select(o => (o.Name, o.DataType, o.Dims, (ModelTensorReshape?)o.Reshape)).ToList());

        // Every label_filename names a file in the model folder holding BACKGROUND and then the classes, as labels-c7.txt does.
        var expectedLabels = File.ReadAllLines(TestData.Oracle("labels-c7.txt")).Where(l => l.Length > 0).ToArray();
        var labelFiles = config.Output.Select(o => o.LabelFilename).Where(l => l.Length > 0).Distinct().ToList();
        Assert.NotEmpty(labelFiles);
        foreach (var file in labelFiles)
        {
            var path = Path.Combine(modelFolder, file);
            Assert.True(File.Exists(path), $"label_filename {file} is not in {modelFolder}");
            Assert.Equal(expectedLabels, File.ReadAllLines(path).Where(l => l.Length > 0));
        }
        return config;
    }

    private static void AssertTensors(IReadOnlyDictionary<string, NodeMetadata> onnx, List<(string Name, DataType Type, Google.Protobuf.Collections.RepeatedField<long> Dims, ModelTensorReshape? Reshape)> declared)
    {
        Assert.Equal(onnx.Keys.Order(), declared.Select(d => d.Name).Order());
        foreach (var (name, type, dims, reshape) in declared)
        {
            var meta = onnx[name];
            Assert.Equal(-1, meta.Dimensions[0]); // the dynamic batch dimension Triton's batcher fills
            var withoutBatch = meta.Dimensions.Skip(1).Select(d => (long)d).ToArray();
            Assert.True(TritonType(meta.ElementType) == type, $"{name}: {type} declared, ONNX Runtime reports {meta.ElementType}");
            if (withoutBatch.Length == 0)
            {
                Assert.Equal(new long[] { 1 }, dims);
                Assert.True(reshape is not null && reshape.Shape.Count == 0, $"{name}: a batch-only tensor needs reshape: {{ shape: [ ] }}");
            }
            else
            {
                Assert.Equal(withoutBatch, dims);
                Assert.Null(reshape);
            }
        }
    }

    private static DataType TritonType(Type type) =>
        type == typeof(float) ? DataType.TypeFp32 : type == typeof(int) ? DataType.TypeInt32 : type == typeof(long) ? DataType.TypeInt64 : DataType.TypeInvalid;

    private static void AssertFails(string[] args, params string[] expected)
    {
        var (code, _, error) = CommandTests.Invoke(args);
        Assert.True(code != 0, $"exit 0 for {string.Join(' ', args)}");
        foreach (var e in expected) Assert.Contains(e, error);
    }
}
