using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace SsdLite.Runtime;

/// <summary>What a model must look like to serve as a detector (<see cref="OnnxConventions"/>), read from its session.</summary>
internal sealed record OnnxModelContract(int InputSize, int? FixedBatchSize, int ClassCountWithBackground, int? MaxDetections = null)
{
    /// <exception cref="InvalidDataException">naming <paramref name="path"/>, what it has and what was expected</exception>
    public static OnnxModelContract Check(InferenceSession session, string path)
    {
        var inputs = session.InputMetadata;
        var outputs = session.OutputMetadata;
        var expected = $"expected input {OnnxConventions.InputName} float [N, 3, S, S] and outputs {OnnxConventions.ScoresName} float [N, P, C], " +
            $"{OnnxConventions.BoxesName} float [N, P, 4] (an ssdlite export)";
        if (inputs.Count != 1 || !inputs.TryGetValue(OnnxConventions.InputName, out var input)
            || !outputs.TryGetValue(OnnxConventions.ScoresName, out var scores) || !outputs.TryGetValue(OnnxConventions.BoxesName, out var boxes))
        {
            throw new InvalidDataException($"{path} has inputs {Describe(inputs)} and outputs {Describe(outputs)}; {expected}");
        }
        if (!IsFloat(input) || input.Dimensions is not [var n, 3, var h, var w] || h <= 0 || h != w)
            throw new InvalidDataException($"{path}: input {Describe(OnnxConventions.InputName, input)}; {expected}, with a fixed square S");
        CheckInputSize(path, n, h);
        if (!IsFloat(scores) || scores.Dimensions is not [_, _, var c] || c < 2)
            throw new InvalidDataException($"{path}: output {Describe(OnnxConventions.ScoresName, scores)}; {expected}, with a fixed C of 2 or more");
        if (!IsFloat(boxes) || boxes.Dimensions is not [_, _, 4])
            throw new InvalidDataException($"{path}: output {Describe(OnnxConventions.BoxesName, boxes)}; {expected}");
        return new OnnxModelContract(h, n > 0 ? n : null, c, NmsOutputs(outputs, path));
    }

    // K of an NMS export (all four EfficientNMS outputs present and well typed), or null when it has none of them.
    private static int? NmsOutputs(IReadOnlyDictionary<string, NodeMetadata> outputs, string path)
    {
        string[] names = [OnnxConventions.NumDetectionsName, OnnxConventions.DetectionBoxesName, OnnxConventions.DetectionScoresName, OnnxConventions.DetectionClassesName];
        var present = names.Count(outputs.ContainsKey);
        if (present == 0) return null;
        var expected = $"an NMS export has {names[0]} int32 [N], {names[1]} float [N, K, 4], {names[2]} float [N, K] and {names[3]} int32 [N, K]";
        if (present != names.Length) throw new InvalidDataException($"{path} has outputs {Describe(outputs)}; {expected}");
        var count = outputs[names[0]];
        var boxes = outputs[names[1]];
        var scores = outputs[names[2]];
        var classes = outputs[names[3]];
        if (!count.IsTensor || count.ElementDataType != TensorElementType.Int32 || count.Dimensions.Length != 1
            || !IsFloat(boxes) || boxes.Dimensions is not [_, var k, 4] || k <= 0
            || !IsFloat(scores) || scores.Dimensions is not [_, var ks] || ks != k
            || !classes.IsTensor || classes.ElementDataType != TensorElementType.Int32 || classes.Dimensions is not [_, var kc] || kc != k)
        {
            throw new InvalidDataException($"{path} has outputs {Describe(outputs)}; {expected}, with a fixed K");
        }
        return k;
    }

    /// <summary>The largest input side S taken (SsdLite exports 300 to 512).</summary>
    public const int MaxInputSize = 4096;

    /// <summary>The most floats one call's input (a fixed batch N x 3 x S x S) may hold: 2^26, 256 MiB.</summary>
    public const long MaxInputFloats = 1L << 26;

    // The detector allocates a call's input at the size the model declares, so a declared size is checked before it
    // becomes an allocation.
    private static void CheckInputSize(string path, int batch, int side)
    {
        if (side > MaxInputSize)
            throw new InvalidDataException($"{path}: input {OnnxConventions.InputName} declares a side of {side}, more than the limit of {MaxInputSize}");
        long floats = (long)Math.Max(batch, 1) * 3 * side * side;
        if (floats > MaxInputFloats)
            throw new InvalidDataException($"{path}: input {OnnxConventions.InputName} declares a fixed batch of {batch} x 3 x {side} x {side} = {floats} floats, more than the limit of {MaxInputFloats}");
    }

    private static bool IsFloat(NodeMetadata node) => node.IsTensor && node.ElementDataType == TensorElementType.Float;

    private static string Describe(IReadOnlyDictionary<string, NodeMetadata> nodes) =>
        nodes.Count == 0 ? "(none)" : string.Join(", ", nodes.Select(kv => Describe(kv.Key, kv.Value)));

    private static string Describe(string name, NodeMetadata node)
    {
        if (!node.IsTensor) return $"{name} (not a tensor)";
        var dims = node.Dimensions.Select((d, i) => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : node.SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : "?");
        return $"{name} {node.ElementDataType.ToString().ToLowerInvariant()} [{string.Join(", ", dims)}]";
    }
}
