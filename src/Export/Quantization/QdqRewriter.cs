using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace SsdLite.Export.Quantization;

/// <summary>
/// Rewrites a float detector graph into QDQ form: a QuantizeLinear after each planned tensor's producer, one
/// DequantizeLinear per reader (ONNX Runtime groups a DequantizeLinear with a single node), each Conv's weight as s8
/// per output channel (axis 0, zero point 0) and its bias as int32 at input scale · weight scale, each read through
/// a DequantizeLinear. Scales and zero points are initializers, as the fusions require.
/// </summary>
internal sealed class QdqRewriter
{
    private readonly GraphProto source;
    private readonly QdqPlan plan;
    private readonly IReadOnlyDictionary<string, ActivationQuant> encodings;
    private readonly Dictionary<string, TensorProto> initializers;
    private readonly GraphProto target;
    private readonly HashSet<string> replaced = [];
    private readonly Dictionary<string, int> readers = [];

    private QdqRewriter(GraphProto source, QdqPlan plan, IReadOnlyDictionary<string, ActivationQuant> encodings)
    {
        this.source = source;
        this.plan = plan;
        this.encodings = encodings;
        initializers = source.Initializer.ToDictionary(t => t.Name);
        target = new GraphProto { Name = source.Name, DocString = source.DocString };
        target.Input.AddRange(source.Input.Select(i => i.Clone()));
        target.Output.AddRange(source.Output.Select(o => o.Clone()));
    }

    /// <summary>The QDQ graph; <paramref name="encodings"/> holds every planned tensor's u8 encoding.</summary>
    public static GraphProto Rewrite(GraphProto source, QdqPlan plan, IReadOnlyDictionary<string, ActivationQuant> encodings)
    {
        var rewriter = new QdqRewriter(source, plan, encodings);
        rewriter.Run();
        return rewriter.target;
    }

    /// <summary>The encoding of each planned tensor from its calibrated range (the input's is fixed).</summary>
    public static Dictionary<string, ActivationQuant> Encodings(QdqPlan plan, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        var encodings = new Dictionary<string, ActivationQuant>();
        foreach (var tensor in plan.Tensors)
        {
            encodings[tensor.Name] = tensor.Role switch
            {
                TensorRole.Input => QuantParams.Input,
                TensorRole.Clipped => QuantParams.ForRange(0, ranges[tensor.Name].Max, tensor.UpperBound),
                TensorRole.Relu => QuantParams.ForRange(0, ranges[tensor.Name].Max),
                _ => QuantParams.ForRange(ranges[tensor.Name].Min, ranges[tensor.Name].Max),
            };
        }
        return encodings;
    }

    private void Run()
    {
        foreach (var input in source.Input.Where(i => plan.IsQuantized(i.Name))) Quantize(input.Name);
        foreach (var node in source.Node)
        {
            var copy = node.Clone();
            for (var i = 0; i < copy.Input.Count; i++)
            {
                if (plan.IsQuantized(copy.Input[i])) copy.Input[i] = Dequantize(copy.Input[i]);
            }
            if (node.OpType == "Conv") QuantizeParameters(copy, encodings[node.Input[0]].Scale);
            target.Node.Add(copy);
            if (plan.IsQuantized(node.Output[0])) Quantize(node.Output[0]);
        }
        target.Initializer.AddRange(source.Initializer.Where(t => !replaced.Contains(t.Name)).Select(t => t.Clone()));
    }

    private void Quantize(string tensor)
    {
        var e = encodings[tensor];
        target.Initializer.Add(Scalar($"{tensor}_scale", e.Scale));
        target.Initializer.Add(Bytes($"{tensor}_zero_point", TensorProto.Types.DataType.Uint8, [], [e.ZeroPoint]));
        target.Node.Add(Node("QuantizeLinear", $"{tensor}_quantized", [tensor, $"{tensor}_scale", $"{tensor}_zero_point"]));
    }

    private string Dequantize(string tensor)
    {
        var k = readers[tensor] = readers.GetValueOrDefault(tensor) + 1;
        var output = $"{tensor}_dequantized_{k}";
        target.Node.Add(Node("DequantizeLinear", output, [$"{tensor}_quantized", $"{tensor}_scale", $"{tensor}_zero_point"]));
        return output;
    }

    private void QuantizeParameters(NodeProto conv, float inputScale)
    {
        var weight = FloatInitializer(conv.Input[1], conv.Name);
        var channels = (int)weight.Dims[0];
        var bias = conv.Input.Count > 2 ? FloatInitializer(conv.Input[2], conv.Name) : null;
        var q = QuantParams.Conv(Floats(weight), channels, bias is null ? [] : Floats(bias), inputScale);
        var w = weight.Name;
        target.Initializer.Add(Bytes($"{w}_quantized", TensorProto.Types.DataType.Int8, weight.Dims, MemoryMarshal.AsBytes(q.Weights.AsSpan())));
        target.Initializer.Add(Vector($"{w}_scale", q.WeightScales));
        target.Initializer.Add(Bytes($"{w}_zero_point", TensorProto.Types.DataType.Int8, [channels], new byte[channels]));
        target.Node.Add(Node("DequantizeLinear", $"{w}_dequantized", [$"{w}_quantized", $"{w}_scale", $"{w}_zero_point"], axis: 0));
        conv.Input[1] = $"{w}_dequantized";
        replaced.Add(w);
        if (bias is null) return;
        var b = bias.Name;
        target.Initializer.Add(Bytes($"{b}_quantized", TensorProto.Types.DataType.Int32, bias.Dims, MemoryMarshal.AsBytes(q.Bias!.AsSpan())));
        target.Initializer.Add(Vector($"{b}_scale", q.BiasScales!));
        target.Initializer.Add(Bytes($"{b}_zero_point", TensorProto.Types.DataType.Int32, [channels], new byte[channels * 4]));
        target.Node.Add(Node("DequantizeLinear", $"{b}_dequantized", [$"{b}_quantized", $"{b}_scale", $"{b}_zero_point"], axis: 0));
        conv.Input[2] = $"{b}_dequantized";
        replaced.Add(b);
    }

    private TensorProto FloatInitializer(string name, string conv) =>
        initializers.TryGetValue(name, out var t) && t.DataType == (int)TensorProto.Types.DataType.Float && t.RawData.Length > 0
            ? t
            : throw new NotSupportedException($"{conv}: {name} is not a float initializer held as raw data");

    private static float[] Floats(TensorProto t) => MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();

    private static NodeProto Node(string op, string output, string[] inputs, long? axis = null)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (axis is { } a) node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        return node;
    }

    private static TensorProto Scalar(string name, float value) => Bytes(name, TensorProto.Types.DataType.Float, [], BitConverter.GetBytes(value));

    private static TensorProto Vector(string name, float[] values) =>
        Bytes(name, TensorProto.Types.DataType.Float, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()));

    // raw_data is little-endian by the format's definition, as are the CPUs .NET runs on here.
    private static TensorProto Bytes(string name, TensorProto.Types.DataType type, IEnumerable<long> dims, ReadOnlySpan<byte> data)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
