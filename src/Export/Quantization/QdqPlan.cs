using Onnx;
using SsdLite.Runtime;

namespace SsdLite.Export.Quantization;

/// <summary>What a quantised tensor is, which decides how its range becomes an encoding.</summary>
internal enum TensorRole
{
    /// <summary>The model input: the test transform's exact pixel encoding, not calibrated.</summary>
    Input,

    /// <summary>A Clip(0, b) after a Conv (ReLU6: b = 6): zero point 0 and 255 · scale ≤ b, so ONNX Runtime drops the Clip.</summary>
    Clipped,

    /// <summary>A Relu after a Conv: zero point 0, so ONNX Runtime drops the Relu.</summary>
    Relu,

    /// <summary>A Conv without activation (a linear bottleneck) or a residual Add.</summary>
    Linear,

    /// <summary>A head's Conv, read by the float tail (softmax, box decoding).</summary>
    Head,
}

/// <summary>A tensor the QDQ graph carries as u8: its name, role and, for <see cref="TensorRole.Clipped"/>, the Clip's upper bound.</summary>
internal sealed record QuantizedTensor(string Name, TensorRole Role, float? UpperBound = null);

/// <summary>
/// Which tensors of a float detector graph become u8, following the rules under which ONNX Runtime's CPU execution
/// provider fuses a QDQ group into one integer kernel: every Conv reads a DequantizeLinear of a u8 tensor, and its
/// output (or its Clip/Relu's) is read by a QuantizeLinear alone; a residual Add whose two inputs are quantised is
/// quantised too (QLinearAdd). The rest (head rows, Softmax, box decoding) stays float.
/// </summary>
internal sealed class QdqPlan
{
    private readonly Dictionary<string, QuantizedTensor> tensors = [];
    private readonly List<QuantizedTensor> order = [];

    private QdqPlan()
    {
    }

    /// <summary>The quantised tensors in graph order.</summary>
    public IReadOnlyList<QuantizedTensor> Tensors => order;

    /// <summary>The Conv nodes, all of which read and write quantised tensors.</summary>
    public IReadOnlyList<NodeProto> Convs { get; private set; } = [];

    public bool IsQuantized(string name) => tensors.ContainsKey(name);

    public QuantizedTensor this[string name] => tensors[name];

    /// <exception cref="NotSupportedException">a Conv that reads a tensor this plan cannot quantise</exception>
    public static QdqPlan For(GraphProto graph)
    {
        var plan = new QdqPlan();
        var consumers = Consumers(graph);
        var constants = graph.Initializer.ToDictionary(t => t.Name);
        var convs = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Conv":
                    convs.Add(node);
                    plan.ConvInput(node, graph);
                    plan.ConvOutput(node, consumers);
                    break;
                case "Clip" or "Relu" when plan.FollowsConv(node, graph):
                    plan.Add(node.Output[0], node.OpType == "Relu" ? TensorRole.Relu : TensorRole.Clipped,
                        node.OpType == "Clip" ? ClipUpperBound(node, constants) : null);
                    break;
                case "Add" when node.Input.All(plan.IsQuantized):
                    plan.Add(node.Output[0], TensorRole.Linear);
                    break;
            }
        }
        plan.Convs = convs;
        return plan;
    }

    private void ConvInput(NodeProto conv, GraphProto graph)
    {
        var input = conv.Input[0];
        if (IsQuantized(input)) return;
        if (input == OnnxConventions.InputName && graph.Input.Any(i => i.Name == input))
        {
            Add(input, TensorRole.Input);
            return;
        }
        throw new NotSupportedException($"{conv.Name}: reads {input}, which is neither the model input nor a quantised Conv, activation or Add output");
    }

    private void ConvOutput(NodeProto conv, Dictionary<string, List<NodeProto>> consumers)
    {
        var output = conv.Output[0];
        var readers = consumers.GetValueOrDefault(output) ?? [];
        // A lone Clip or Relu is quantised at its output instead, and ONNX Runtime folds it into the QuantizeLinear.
        if (readers is [{ OpType: "Clip" or "Relu" }]) return;
        var feedsNetwork = readers.Any(r => r.OpType is "Conv" or "Add");
        Add(output, feedsNetwork ? TensorRole.Linear : TensorRole.Head);
    }

    private bool FollowsConv(NodeProto activation, GraphProto graph) =>
        graph.Node.Any(n => n.OpType == "Conv" && n.Output[0] == activation.Input[0]);

    private static float? ClipUpperBound(NodeProto clip, Dictionary<string, TensorProto> constants)
    {
        var min = clip.Input.Count > 1 ? Scalar(clip.Input[1], constants) : null;
        var max = clip.Input.Count > 2 ? Scalar(clip.Input[2], constants) : null;
        if (min is not 0f || max is not { } bound)
            throw new NotSupportedException($"{clip.Name}: only Clip(0, b) after a Conv is quantised (ReLU6), got Clip({min}, {max})");
        return bound;
    }

    private static float? Scalar(string name, Dictionary<string, TensorProto> constants) =>
        constants.TryGetValue(name, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float && t.RawData.Length == 4
            ? BitConverter.ToSingle(t.RawData.Span)
            : null;

    private void Add(string name, TensorRole role, float? upperBound = null)
    {
        var tensor = new QuantizedTensor(name, role, upperBound);
        if (tensors.TryAdd(name, tensor)) order.Add(tensor);
    }

    public static Dictionary<string, List<NodeProto>> Consumers(GraphProto graph)
    {
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }
        return consumers;
    }
}
