using SsdLite.Backbone;
using SsdLite.Core;
using SsdLite.Detection.Models;
using SsdLite.Runtime;
using static SsdLite.Export.OnnxGraphBuilder;

namespace SsdLite.Export;

/// <summary>
/// Writes a BatchNorm-folded detector as ONNX nodes by walking its modules: Conv2d → Conv (group for depthwise),
/// ReLU6 → Clip(0, 6), ReLU → Relu, a run of layers in order, an inverted residual's expansion, body and Add. The
/// heads' outputs become rows (Transpose to NHWC, Reshape to [N, H·W·A, V]) concatenated in prior order, the scores
/// through Softmax, the locations decoded against the priors held as constants, as <see cref="BoxCoder"/> does.
/// </summary>
internal sealed class DetectorGraph
{
    private readonly OnnxGraphBuilder graph;

    private DetectorGraph(OnnxGraphBuilder graph) => this.graph = graph;

    /// <summary>
    /// The graph of <paramref name="model"/> on <paramref name="inputSize"/>-pixel inputs decoding against
    /// <paramref name="priors"/> (center form, P·4) with the coder's variances; null <paramref name="batch"/> is dynamic.
    /// </summary>
    public static Onnx.GraphProto Build(FoldedSsdLiteModel model, int inputSize, int? batch, float[] priors, BoxCoder coder, string name)
    {
        var builder = new OnnxGraphBuilder(name);
        var writer = new DetectorGraph(builder);
        long? n = batch;
        var classes = model.Config.ClassCountWithBackground;
        var priorCount = priors.Length / 4;
        builder.Graph.Input.Add(FloatValue(OnnxConventions.InputName, OnnxConventions.BatchDimension, n, 3, inputSize, inputSize));
        var (confidences, locations) = writer.Heads(model, OnnxConventions.InputName);
        builder.Node("Softmax", OnnxConventions.ScoresName, [confidences], Int("axis", 2));
        writer.Decode(locations, priors, coder);
        builder.Graph.Output.Add(FloatValue(OnnxConventions.ScoresName, OnnxConventions.BatchDimension, n, priorCount, classes));
        builder.Graph.Output.Add(FloatValue(OnnxConventions.BoxesName, OnnxConventions.BatchDimension, n, priorCount, 4));
        return builder.Graph;
    }

    // The sources as SsdLiteHead.Predict reads them: the two backbone taps, then each extra block's output.
    private (string Confidences, string Locations) Heads(FoldedSsdLiteModel model, string input)
    {
        var (stride16, stride32) = Backbone(model.BackboneLayers, model.Tap, input);
        var sources = new List<string> { stride16, stride32 };
        var x = stride32;
        for (var k = 0; k < model.ExtraBlocks.Count; k++)
        {
            x = Emit(model.ExtraBlocks[k], x, $"extras.{k}");
            sources.Add(x);
        }
        if (sources.Count != model.ClassificationHeads.Count || sources.Count != model.RegressionHeads.Count)
            throw new InvalidOperationException($"{sources.Count} sources for {model.ClassificationHeads.Count} heads");
        var confidences = new List<string>();
        var locations = new List<string>();
        for (var k = 0; k < sources.Count; k++)
        {
            confidences.Add(Rows(Emit(model.ClassificationHeads[k], sources[k], $"classification_headers.{k}"), model.Config.ClassCountWithBackground));
            locations.Add(Rows(Emit(model.RegressionHeads[k], sources[k], $"regression_headers.{k}"), 4));
        }
        return (graph.Node("Concat", "confidences", confidences, Int("axis", 1)), graph.Node("Concat", "locations", locations, Int("axis", 1)));
    }

    private (string Stride16, string Stride32) Backbone(IReadOnlyList<nn.Module<Tensor, Tensor>> layers, FeatureTap tap, string input)
    {
        var x = input;
        string? stride16 = null;
        for (var i = 0; i < layers.Count; i++)
        {
            var path = $"base_net.{i}";
            if (i == tap.Layer && tap.Expansion)
            {
                var block = layers[i] as FoldedInvertedResidual ?? throw new NotSupportedException($"{path}: an expansion tap on a {layers[i].GetType().Name}");
                var expansion = block.Expansion ?? throw new NotSupportedException($"{path}: an expansion tap on a block without expansion");
                stride16 = Emit(expansion, x, $"{path}.expand");
                x = Finish(block, Emit(block.Body, stride16, $"{path}.body"), x, path);
            }
            else
            {
                x = Emit(layers[i], x, path);
                if (i == tap.Layer) stride16 = x;
            }
        }
        return (stride16 ?? throw new InvalidOperationException($"tap layer {tap.Layer} of {layers.Count}"), x);
    }

    private string Emit(nn.Module<Tensor, Tensor> module, string x, string path) => module switch
    {
        Conv2d conv => Conv(conv, x, path),
        ReLU6 => graph.Node("Clip", path, [x, graph.Scalar("relu6_min", 0f), graph.Scalar("relu6_max", 6f)]),
        ReLU => graph.Node("Relu", path, [x]),
        Layers run => run.Items.Select((item, i) => (item, i)).Aggregate(x, (acc, e) => Emit(e.item, acc, $"{path}.{e.i}")),
        FoldedInvertedResidual block => Finish(block, Emit(block.Body, block.Expansion is { } e ? Emit(e, x, $"{path}.expand") : x, $"{path}.body"), x, path),
        _ => throw new NotSupportedException($"{path}: cannot export a {module.GetType().Name}"),
    };

    private string Finish(FoldedInvertedResidual block, string body, string input, string path) =>
        block.UseResidual ? graph.Node("Add", $"{path}.residual", [input, body]) : body;

    private string Conv(Conv2d conv, string x, string path)
    {
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"{path}: {conv.padding_mode} padding");
        var padding = conv.padding ?? throw new NotSupportedException($"{path}: 'same' or 'valid' padding");
        using var scope = NewDisposeScope();
        var weight = conv.weight.detach().cpu().to(ScalarType.Float32).contiguous();
        var inputs = new List<string> { x, graph.Constant($"{path}.weight", weight.shape, weight.data<float>().ToArray()) };
        if (conv.bias is { } bias)
        {
            var b = bias.detach().cpu().to(ScalarType.Float32).contiguous();
            inputs.Add(graph.Constant($"{path}.bias", b.shape, b.data<float>().ToArray()));
        }
        var k = conv.kernel_size;
        var s = conv.stride;
        var d = conv.dilation;
        return graph.Node("Conv", path, inputs,
            Ints("kernel_shape", k[0], k[1]),
            Ints("strides", s[0], s[1]),
            Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            Ints("dilations", d[0], d[1]),
            Int("group", conv.groups));
    }

    // (N, A·V, H, W) → (N, H·W·A, V), as SsdLiteHead.ToRows; Reshape's 0 keeps the (possibly dynamic) batch.
    private string Rows(string headOutput, int valuesPerPrior)
    {
        var nhwc = graph.Node("Transpose", $"{headOutput}.nhwc", [headOutput], Ints("perm", 0, 2, 3, 1));
        return graph.Node("Reshape", $"{headOutput}.rows", [nhwc, graph.Int64s($"rows_of_{valuesPerPrior}", 0, -1, valuesPerPrior)]);
    }

    // BoxCoder.Decode, operation for operation: centre = l·cv·p_wh + p_xy, size = exp(l·sv)·p_wh, corners = centre ∓ size / 2.
    private void Decode(string locations, float[] priors, BoxCoder coder)
    {
        var p = priors.Length / 4;
        var xy = new float[p * 2];
        var wh = new float[p * 2];
        for (var i = 0; i < p; i++)
        {
            xy[2 * i] = priors[4 * i];
            xy[(2 * i) + 1] = priors[(4 * i) + 1];
            wh[2 * i] = priors[(4 * i) + 2];
            wh[(2 * i) + 1] = priors[(4 * i) + 3];
        }
        var priorXy = graph.Constant("priors_center", [1, p, 2], xy);
        var priorWh = graph.Constant("priors_size", [1, p, 2], wh);
        var axis = graph.Int64s("axis_2", 2);
        var offsets = graph.Node("Slice", "location_center", [locations, graph.Int64s("from_0", 0), graph.Int64s("to_2", 2), axis]);
        var scales = graph.Node("Slice", "location_size", [locations, graph.Int64s("from_2", 2), graph.Int64s("to_4", 4), axis]);
        var scaled = graph.Node("Mul", "center_scaled", [offsets, graph.Scalar("center_variance", coder.CenterVariance)]);
        var shifted = graph.Node("Mul", "center_shift", [scaled, priorWh]);
        var center = graph.Node("Add", "center", [shifted, priorXy]);
        var exponent = graph.Node("Mul", "size_exponent", [scales, graph.Scalar("size_variance", coder.SizeVariance)]);
        var ratio = graph.Node("Exp", "size_ratio", [exponent]);
        var size = graph.Node("Mul", "size", [ratio, priorWh]);
        var half = graph.Node("Div", "half_size", [size, graph.Scalar("two", 2f)]);
        var min = graph.Node("Sub", "corner_min", [center, half]);
        var max = graph.Node("Add", "corner_max", [center, half]);
        graph.Node("Concat", OnnxConventions.BoxesName, [min, max], Int("axis", 2));
    }
}
