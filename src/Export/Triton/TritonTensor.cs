namespace SsdLite.Export.Triton;

/// <summary>
/// One input or output as config.pbtxt declares it: Triton's data type name and the dims without the batch dimension
/// (-1 where the ONNX dimension is symbolic). A tensor that is the batch dimension alone (num_detections [N]) is
/// declared as Triton asks, <c>dims: [ 1 ]</c> with <c>reshape: { shape: [ ] }</c>, so <see cref="Reshape"/> is then empty.
/// </summary>
public sealed record TritonTensor(string Name, string DataType, IReadOnlyList<long> Dims, IReadOnlyList<long>? Reshape, string? LabelFileName);
