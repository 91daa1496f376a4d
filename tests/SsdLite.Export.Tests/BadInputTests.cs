using Google.Protobuf;
using Onnx;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;

namespace SsdLite.Export.Tests;

/// <summary>Files that are not an exported detector get a message naming the file and the problem, never a crash.</summary>
public sealed class BadInputTests
{
    [Fact]
    public void MissingFileIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-model-{Guid.NewGuid():N}.onnx");
        var e = Assert.Throws<FileNotFoundException>(() => OnnxDetector.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void FilesThatAreNotOnnxAreRefused()
    {
        using var folder = new TempFolder("not-onnx");
        File.WriteAllText(folder["text.onnx"], "this is not a protobuf model\n");
        File.Copy(TestFiles.Oracle("image.jpg"), folder["image.onnx"]);
        // A real export cut in half: the protobuf ends inside a weight.
        using (var model = new SsdLiteModel(new SsdLiteConfig(TestFiles.Names(2), 0.25, 96, SsdLite.Core.ChannelRounding.Truncate)))
            OnnxExporter.Export(model, folder["whole.onnx"]);
        var whole = File.ReadAllBytes(folder["whole.onnx"]);
        File.WriteAllBytes(folder["half.onnx"], whole[..(whole.Length / 2)]);
        foreach (var name in new[] { "text.onnx", "image.onnx", "half.onnx" })
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder[name]));
            Assert.Contains(folder[name], e.Message);
            Assert.Contains("not a model ONNX Runtime can load", e.Message);
        }
    }

    [Fact]
    public void ModelsWithOtherInputsOrOutputsAreRefusedWithWhatTheyHave()
    {
        using var folder = new TempFolder("other-io");
        // A valid ONNX model that is no detector: y = x.
        Write(folder["identity.onnx"], Identity("x", [1, 4], "y"));
        var e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["identity.onnx"]));
        Assert.Contains(folder["identity.onnx"], e.Message);
        Assert.Contains("inputs x float [1, 4]", e.Message);
        Assert.Contains("outputs y float [1, 4]", e.Message);
        Assert.Contains("expected input input_0", e.Message);

        // The right names, the wrong shapes: a non-square input and boxes of 5 values.
        Write(folder["shapes.onnx"], TwoOutputs([1, 3, 300, 200], [1, 10, 3], [1, 10, 5]));
        e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["shapes.onnx"]));
        Assert.Contains("input input_0 float [1, 3, 300, 200]", e.Message);
        Write(folder["boxes.onnx"], TwoOutputs([1, 3, 64, 64], [1, 10, 3], [1, 10, 5]));
        e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["boxes.onnx"]));
        Assert.Contains("output boxes float [1, 10, 5]", e.Message);
    }

    [Fact]
    public void LabelsThatDisagreeWithTheClassCountAreRefused()
    {
        using var folder = new TempFolder("labels");
        using (var model = new SsdLiteModel(new SsdLiteConfig(TestFiles.Names(4), 0.25, 96, SsdLite.Core.ChannelRounding.Truncate)))
            OnnxExporter.Export(model, folder["m.onnx"]);
        var e = Assert.Throws<ArgumentException>(() => OnnxDetector.Load(folder["m.onnx"], ["a", "b", "c"]));
        Assert.Contains(folder["m.onnx"], e.Message);
        Assert.Contains("predicts 4 object classes, the labels name 3", e.Message);
        using var renamed = OnnxDetector.Load(folder["m.onnx"], ["a", "b", "c", "d"]);
        Assert.Equal(["a", "b", "c", "d"], renamed.ClassNames);
    }

    [Fact]
    public void AModelDeclaringAHugeInputIsRefusedBeforeAnyInputIsAllocated()
    {
        using var folder = new TempFolder("huge-input");
        // What ONNX Runtime reports of the model: an input side of 100000 (40 GB a call) and a fixed batch of 10000 at 64.
        Write(folder["side.onnx"], TwoOutputs([1, 3, 100000, 100000], [1, 10, 3], [1, 10, 4]));
        var e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["side.onnx"]));
        Assert.Equal($"{folder["side.onnx"]}: input input_0 declares a side of 100000, more than the limit of 4096", e.Message);
        Write(folder["batch.onnx"], TwoOutputs([10000, 3, 64, 64], [10000, 10, 3], [10000, 10, 4]));
        e = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["batch.onnx"]));
        Assert.Equal($"{folder["batch.onnx"]}: input input_0 declares a fixed batch of 10000 x 3 x 64 x 64 = {10000L * 3 * 64 * 64} floats, more than the limit of {1L << 26}", e.Message);
        // At the limits, a model still opens.
        Write(folder["ok.onnx"], TwoOutputs([1, 3, 4096, 4096], [1, 10, 3], [1, 10, 4]));
        using var ok = OnnxDetector.Load(folder["ok.onnx"], ["a", "b"]);
        Assert.Equal(4096, ok.InputSize);
    }

    private static void Write(string path, ModelProto model)
    {
        using var stream = File.Create(path);
        model.WriteTo(stream);
    }

    private static ModelProto Identity(string input, long[] shape, string output)
    {
        var graph = new GraphProto { Name = "identity" };
        graph.Input.Add(Value(input, shape));
        graph.Output.Add(Value(output, shape));
        graph.Node.Add(new NodeProto { OpType = "Identity", Input = { input }, Output = { output } });
        return Model(graph);
    }

    // input_0 → scores and boxes through Identity-free constant outputs of the given shapes.
    private static ModelProto TwoOutputs(long[] input, long[] scores, long[] boxes)
    {
        var graph = new GraphProto { Name = "two-outputs" };
        graph.Input.Add(Value(OnnxConventions.InputName, input));
        graph.Output.Add(Value(OnnxConventions.ScoresName, scores));
        graph.Output.Add(Value(OnnxConventions.BoxesName, boxes));
        graph.Initializer.Add(Zeros("s", scores));
        graph.Initializer.Add(Zeros("b", boxes));
        graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "s" }, Output = { OnnxConventions.ScoresName } });
        graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "b" }, Output = { OnnxConventions.BoxesName } });
        return Model(graph);
    }

    private static TensorProto Zeros(string name, long[] shape)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(shape);
        t.FloatData.AddRange(new float[shape.Aggregate(1L, (a, d) => a * d)]);
        return t;
    }

    private static ModelProto Model(GraphProto graph)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        return model;
    }

    private static ValueInfoProto Value(string name, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape) tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }
}
