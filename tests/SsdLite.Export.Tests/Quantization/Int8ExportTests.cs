using Onnx;
using SsdLite.Export.Quantization;
using SsdLite.Runtime;
using SsdLite.Vision;
using Xunit.Abstractions;

namespace SsdLite.Export.Tests.Quantization;

/// <summary>The int8 QDQ export of a trained detector: its graph, what ONNX Runtime makes of it, and what it detects.</summary>
public sealed class Int8ExportTests(Int8ModelFixture fixture, ITestOutputHelper output) : IClassFixture<Int8ModelFixture>
{
    // The c7 model is briefly trained: its scores sit at 0.10-0.25, so at a shared threshold of 0.1 many detections are
    // near-ties that a 0.005 change in score moves in or out (either way). The float model's detections are taken from
    // 0.12, the int8 model's from 0.1: a score tolerance of 0.02, a few u8 steps of the classification logits.
    private const float Int8Threshold = 0.1f;
    private const float FloatThreshold = 0.12f;

    // A box edge moves by the heads' location step (range / 255) times the variance and the prior's size, about 0.6% of
    // the side at the largest prior, plus what the backbone's rounding adds; 3% of the side is five times that.
    private const double EdgeTolerance = 0.03;

    [Fact]
    public void DetectionsOnHeldOutImagesMatchTheFloatModels()
    {
        using var fp32 = OnnxDetector.Load(fixture.FloatPath);
        using var int8 = OnnxDetector.Load(fixture.Int8Path);
        Assert.Equal(fp32.ClassNames, int8.ClassNames);
        fp32.PostProcessor = ClassLabels.PostProcessorFor(fp32, FloatThreshold, topK: 10);
        int8.PostProcessor = ClassLabels.PostProcessorFor(int8, Int8Threshold, topK: 10);
        int found = 0, total = 0;
        var worstEdge = 0.0;
        foreach (var path in Int8ModelFixture.HeldOut())
        {
            var image = ImageIO.Read(path);
            var expected = fp32.Detect(image);
            var actual = int8.Detect(image);
            foreach (var e in expected)
            {
                total++;
                var match = actual.Where(a => a.Label == e.Label).OrderByDescending(a => Iou(a.Box, e.Box)).FirstOrDefault();
                if (match.Label is null || Iou(match.Box, e.Box) < 0.5) continue;
                found++;
            }
            worstEdge = Math.Max(worstEdge, WorstEdgeOfConfidentPriors(fp32, int8, image));
            output.WriteLine($"{Path.GetFileName(path)}: fp32 {Describe(expected)} | int8 {Describe(actual)}");
        }
        output.WriteLine($"recall {found}/{total}, largest edge difference of a prior scored >= {FloatThreshold} {worstEdge:P2} of the side");
        Assert.True(total >= 50, $"only {total} float detections to compare");
        Assert.True(found >= 0.9 * total, $"int8 found {found} of the float model's {total} detections");
        Assert.True(worstEdge <= EdgeTolerance, $"a box edge moved {worstEdge:P2} of the image side");
    }

    // Boxes compared prior by prior (relative units, so a fraction of the side): after NMS a neighbouring prior of
    // nearly the same score may win in one model and not the other, which says nothing about the boxes themselves.
    private static double WorstEdgeOfConfidentPriors(OnnxDetector fp32, OnnxDetector int8, Image image)
    {
        var input = fp32.Preprocess([image]);
        var a = fp32.Predict(input, 1);
        var b = int8.Predict(input, 1);
        var worst = 0.0;
        for (var p = 0; p < a.PriorCount; p++)
        {
            var scores = a.ScoresOf(0).Slice(p * a.ClassCountWithBackground, a.ClassCountWithBackground);
            var best = 0f;
            for (var c = 1; c < scores.Length; c++) best = Math.Max(best, scores[c]);
            if (best < FloatThreshold) continue;
            for (var k = 0; k < 4; k++) worst = Math.Max(worst, Math.Abs(a.BoxesOf(0)[(4 * p) + k] - b.BoxesOf(0)[(4 * p) + k]));
        }
        return worst;
    }

    [Fact]
    public void WeightsArePerChannelOnAxisZeroBiasesInt32AndActivationsU8()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fixture.Int8Path));
        var g = model.Graph;
        var constants = g.Initializer.ToDictionary(t => t.Name);
        var producers = g.Node.ToDictionary(n => n.Output[0]);
        var convs = g.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(86, convs.Count);
        Assert.Equal(fixture.Result.QuantizedConvs, convs.Count);
        foreach (var conv in convs)
        {
            var x = producers[conv.Input[0]];
            var w = producers[conv.Input[1]];
            Assert.Equal("DequantizeLinear", x.OpType);
            Assert.Equal("DequantizeLinear", w.OpType);
            var weight = constants[w.Input[0]];
            var scales = constants[w.Input[1]];
            var zeros = constants[w.Input[2]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, weight.DataType);
            Assert.Equal(0, w.Attribute.Single(a => a.Name == "axis").I);
            Assert.Equal([weight.Dims[0]], scales.Dims);
            Assert.Equal((int)TensorProto.Types.DataType.Int8, zeros.DataType);
            Assert.All(zeros.RawData.ToByteArray(), z => Assert.Equal(0, z));
            var inputScale = BitConverter.ToSingle(constants[x.Input[1]].RawData.Span);
            Assert.Equal((int)TensorProto.Types.DataType.Uint8, constants[x.Input[2]].DataType);
            if (conv.Input.Count > 2)
            {
                var b = producers[conv.Input[2]];
                Assert.Equal((int)TensorProto.Types.DataType.Int32, constants[b.Input[0]].DataType);
                var biasScales = Floats(constants[b.Input[1]]);
                var weightScales = Floats(scales);
                for (var c = 0; c < biasScales.Length; c++) Assert.Equal(inputScale * weightScales[c], biasScales[c]);
            }
            // Each fused Conv's output is read by one QuantizeLinear, or by one ReLU6 Clip that one QuantizeLinear reads.
            var readers = g.Node.Where(n => n.Input.Contains(conv.Output[0])).ToList();
            var reader = Assert.Single(readers);
            if (reader.OpType == "Clip") reader = Assert.Single(g.Node, n => n.Input.Contains(reader.Output[0]));
            Assert.Equal("QuantizeLinear", reader.OpType);
        }
        // The input is the test transform's pixel encoding: (p - 127) / 128 is pixel p at scale 1/128, zero point 127.
        var inputQ = Assert.Single(g.Node, n => n.OpType == "QuantizeLinear" && n.Input[0] == OnnxConventions.InputName);
        Assert.Equal(1f / 128, BitConverter.ToSingle(constants[inputQ.Input[1]].RawData.Span));
        Assert.Equal(127, constants[inputQ.Input[2]].RawData[0]);
        Assert.Equal([OnnxConventions.InputName], g.Input.Select(i => i.Name));
        Assert.Equal([OnnxConventions.ScoresName, OnnxConventions.BoxesName], g.Output.Select(o => o.Name));
        Assert.Contains(model.MetadataProps, p => p.Key == OnnxConventions.QuantizationKey && p.Value.Contains("s8 per output channel", StringComparison.Ordinal));
        var fp32 = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fixture.FloatPath));
        Assert.DoesNotContain(fp32.MetadataProps, p => p.Key == OnnxConventions.QuantizationKey);
    }

    [Fact]
    public void OnnxRuntimeRunsEveryConvolutionAsAnIntegerKernel()
    {
        // Loading with all optimisations is ONNX Runtime's own validation of the graph; the optimised graph shows the fusions.
        var graph = OptimizedGraph.Of(fixture.Int8Path);
        output.WriteLine(graph.ToString());
        Assert.Equal(86, graph.QLinearConvs);
        Assert.Equal(0, graph.FloatConvs);
        Assert.Equal(10, graph.Count("com.microsoft.QLinearAdd") + graph.Count("QLinearAdd")); // the ten residual Adds of MobileNetV2
        Assert.Equal(1, graph.Count("Softmax"));
        using var int8 = OnnxDetector.Load(fixture.Int8Path);
        Assert.Equal(OnnxDetector.Load(fixture.FloatPath).ClassNames, int8.ClassNames);
        Assert.True(int8.Metadata.ContainsKey(OnnxConventions.QuantizationKey));
    }

    private static float[] Floats(TensorProto t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();

    private static string Describe(IReadOnlyList<DetectedObject> detections) =>
        string.Join(", ", detections.Select(d => $"{d.Label} {d.Score:F2} [{d.Box.XMin:F0} {d.Box.YMin:F0} {d.Box.XMax:F0} {d.Box.YMax:F0}]"));

    private static double Iou(BoxF a, BoxF b)
    {
        var w = Math.Max(0, Math.Min(a.XMax, b.XMax) - Math.Max(a.XMin, b.XMin));
        var h = Math.Max(0, Math.Min(a.YMax, b.YMax) - Math.Max(a.YMin, b.YMin));
        var inter = w * h;
        var union = ((a.XMax - a.XMin) * (a.YMax - a.YMin)) + ((b.XMax - b.XMin) * (b.YMax - b.YMin)) - inter;
        return union > 0 ? inter / union : 0;
    }
}
