using Google.Protobuf;
using Onnx;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export;

/// <summary>
/// The NMS part of an NMS export on its own: a model whose inputs are <see cref="OnnxConventions.ScoresName"/> and
/// <see cref="OnnxConventions.BoxesName"/> (the plain export's outputs) and whose outputs are the four EfficientNMS
/// tensors, cut from the export's graph node for node. A pipeline that runs the plain network elsewhere (a Triton
/// ensemble) runs it second; <c>ssdlite bench --part nms</c> times it apart from the network.
/// </summary>
public static class NmsTail
{
    private static readonly string[] NmsOutputs = [OnnxConventions.NumDetectionsName, OnnxConventions.DetectionBoxesName,
        OnnxConventions.DetectionScoresName, OnnxConventions.DetectionClassesName];

    /// <summary>Writes the tail of the NMS export at <paramref name="nmsModelPath"/> to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="InvalidDataException">the file is not an ONNX model with SsdLite's NMS tail</exception>
    public static void Write(string nmsModelPath, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nmsModelPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(nmsModelPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{nmsModelPath} is not an ONNX model: {e.Message}", e);
        }
        var tail = Cut(proto.Graph, nmsModelPath);
        proto.Graph = tail;
        AtomicFile.Write(path, proto.WriteTo);
    }

    // NmsGraph names every value it makes "nms.*", and its outputs the EfficientNMS names: those nodes, the initializers
    // they read, the network's two outputs as inputs.
    private static GraphProto Cut(GraphProto graph, string path)
    {
        var inputs = graph.Output.Where(o => o.Name is OnnxConventions.ScoresName or OnnxConventions.BoxesName).ToList();
        var outputs = NmsOutputs.Select(n => graph.Output.FirstOrDefault(o => o.Name == n)).ToList();
        if (inputs.Count != 2 || outputs.Any(o => o is null))
            throw new InvalidDataException($"{path} is not an NMS export: it needs outputs {OnnxConventions.ScoresName}, {OnnxConventions.BoxesName} and {string.Join(", ", NmsOutputs)}");
        var tail = new GraphProto { Name = graph.Name + ".nms" };
        tail.Input.AddRange(inputs.Select(i => i.Clone()));
        tail.Output.AddRange(outputs.Select(o => o!.Clone()));
        tail.Node.AddRange(graph.Node.Where(IsTailNode).Select(n => n.Clone()));
        var read = tail.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        tail.Initializer.AddRange(graph.Initializer.Where(i => read.Contains(i.Name)).Select(i => i.Clone()));
        return tail;
    }

    private static bool IsTailNode(NodeProto node) =>
        node.Output.Count > 0 && node.Output.All(o => o.StartsWith("nms.", StringComparison.Ordinal) || NmsOutputs.Contains(o));
}
