using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace SsdLite.Export;

/// <summary>
/// Builds one ONNX graph: float and int64 constants as initializers, nodes with single outputs named after them,
/// and the graph's typed inputs and outputs. Names are unique: a repeated name gets a numeric suffix.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = [];
    private readonly Dictionary<string, string> sharedConstants = [];

    public OnnxGraphBuilder(string name) => Graph = new GraphProto { Name = name };

    /// <summary>A builder that goes on writing <paramref name="graph"/>; the names it already uses stay taken.</summary>
    public OnnxGraphBuilder(GraphProto graph)
    {
        Graph = graph;
        foreach (var node in graph.Node) names.UnionWith(node.Output);
        foreach (var tensor in graph.Initializer) names.Add(tensor.Name);
        foreach (var value in graph.Input) names.Add(value.Name);
    }

    public GraphProto Graph { get; }

    /// <summary>A float tensor constant.</summary>
    public string Constant(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != values.Length) throw new ArgumentException($"{name}: {values.Length} values for shape [{string.Join(", ", dims)}]", nameof(values));
        var unique = Unique(name);
        var tensor = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        // raw_data is little-endian by the format's definition, as are the CPUs .NET runs on here.
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        Graph.Initializer.Add(tensor);
        return unique;
    }

    /// <summary>A float scalar, made once per name and value and shared by every node that reads it.</summary>
    public string Scalar(string name, float value) => Shared($"{name}:{value:R}", () => Constant(name, [], [value]));

    /// <summary>A 1-D int64 constant (shapes, axes, slice bounds), shared like <see cref="Scalar"/>.</summary>
    public string Int64s(string name, params long[] values) =>
        Shared($"{name}:{string.Join(',', values)}", () =>
        {
            var unique = Unique(name);
            var tensor = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Dims.Add(values.Length);
            tensor.Int64Data.AddRange(values);
            Graph.Initializer.Add(tensor);
            return unique;
        });

    /// <summary>Adds a node with one output, named <paramref name="name"/> (made unique); returns the output's name.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Unique(name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a node with several outputs, named after <paramref name="outputs"/> (made unique); returns their names.</summary>
    public string[] Node(string opType, string[] outputs, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var unique = outputs.Select(Unique).ToArray();
        var node = new NodeProto { OpType = opType, Name = unique[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(unique);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return unique;
    }

    /// <summary>A float tensor input or output of the graph; a null dimension is the named dynamic one.</summary>
    public static ValueInfoProto FloatValue(string name, string dynamicName, params long?[] dims) =>
        TensorValue(name, TensorProto.Types.DataType.Float, dynamicName, dims);

    /// <summary>A tensor input or output of <paramref name="type"/>; a null dimension is the named dynamic one.</summary>
    public static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType type, string dynamicName, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is { } value
                ? new TensorShapeProto.Types.Dimension { DimValue = value }
                : new TensorShapeProto.Types.Dimension { DimParam = dynamicName });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A tensor attribute holding one float (ConstantOfShape's value).</summary>
    public static AttributeProto FloatTensor(string name, float value)
    {
        var tensor = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(1);
        tensor.FloatData.Add(value);
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private string Shared(string key, Func<string> make)
    {
        if (sharedConstants.TryGetValue(key, out var existing)) return existing;
        var made = make();
        sharedConstants.Add(key, made);
        return made;
    }

    private string Unique(string name)
    {
        if (names.Add(name)) return name;
        for (var i = 1; ; i++)
        {
            var candidate = $"{name}_{i}";
            if (names.Add(candidate)) return candidate;
        }
    }
}
