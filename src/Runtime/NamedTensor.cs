namespace SsdLite.Runtime;

/// <summary>
/// One output of a model run under the name, datatype and shape the model file gives it: the Open Inference Protocol's
/// view of a tensor. <see cref="Data"/> is a flat row-major array whose element type matches <see cref="Datatype"/>
/// (FP32 a float[], INT32 an int[], INT64 a long[]).
/// </summary>
public sealed record NamedTensor(string Name, string Datatype, long[] Shape, Array Data)
{
    /// <summary>Elements per item of the batch (the product of the dimensions after the first).</summary>
    public long ItemLength => Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
}
