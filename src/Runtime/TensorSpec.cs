using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SsdLite.Runtime;

/// <summary>
/// A model input or output as the model file declares it: its name, its Open Inference Protocol datatype and its
/// dimensions (-1 where the file leaves one open, a dynamic batch or prior count).
/// </summary>
public sealed record TensorSpec(string Name, string Datatype, long[] Shape)
{
    /// <summary>The datatypes a run returns as <see cref="NamedTensor"/>s, by their ONNX element type.</summary>
    internal static string? DatatypeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FP32",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        _ => null,
    };

    internal static TensorSpec From(string name, NodeMetadata node) => new(name,
        node.IsTensor ? DatatypeOf(node.ElementDataType) ?? node.ElementDataType.ToString().ToUpperInvariant() : "UNKNOWN",
        [.. node.Dimensions.Select(d => d > 0 ? (long)d : -1L)]);
}
