namespace SsdLite.Export.Quantization;

/// <summary>An 8-bit activation encoding: value = (q - ZeroPoint) · Scale, q in 0..255.</summary>
public readonly record struct ActivationQuant(float Scale, byte ZeroPoint);

/// <summary>A convolution's weights as s8 per output channel (axis 0, zero point 0) and its bias as int32.</summary>
public sealed record ConvQuant(sbyte[] Weights, float[] WeightScales, int[]? Bias, float[]? BiasScales);

/// <summary>
/// The arithmetic of the QDQ encoding ONNX Runtime's CPU kernels run fast: u8 activations per tensor, s8 weights
/// symmetric per output channel, int32 biases with scale = input scale · weight scale.
/// </summary>
public static class QuantParams
{
    /// <summary>The model input's encoding: the test transform's (p - 127) / 128 is exactly pixel p at scale 1/128, zero point 127.</summary>
    public static ActivationQuant Input { get; } = new(1f / 128, 127);

    /// <summary>
    /// The largest |bias| in int32 steps: half the int32 range, so that the bias plus a convolution's int32 sum does not
    /// overflow the accumulator either.
    /// </summary>
    public const double BiasLimit = 1 << 30;

    /// <summary>The weight scale of a channel with no weight and no bias (any positive scale encodes zeros).</summary>
    public const float MinWeightScale = 1e-8f;

    /// <summary>
    /// The u8 encoding of values in [<paramref name="min"/>, <paramref name="max"/>], widened to hold 0 exactly (zero
    /// padding must stay zero). With <paramref name="upperBound"/> (6 for ReLU6), 255 · scale never exceeds it in float
    /// arithmetic, as ONNX Runtime checks before it drops the Clip into the QuantizeLinear.
    /// </summary>
    public static ActivationQuant ForRange(float min, float max, float? upperBound = null)
    {
        if (!float.IsFinite(min) || !float.IsFinite(max) || min > max)
            throw new ArgumentException($"not a range: [{min}, {max}]");
        var low = Math.Min(0f, min);
        var high = Math.Max(0f, max);
        if (upperBound is { } bound) high = Math.Min(high, bound);
        if (high - low < 1e-6f) high = low + 1e-6f; // a tensor that is always zero: any scale encodes it
        var scale = (high - low) / 255f;
        if (upperBound is { } limit && low == 0)
        {
            while (255f * scale > limit) scale = MathF.BitDecrement(scale);
        }
        var zeroPoint = low == 0 ? 0 : Math.Clamp((int)MathF.Round(-low / scale, MidpointRounding.ToEven), 0, 255);
        return new ActivationQuant(scale, (byte)zeroPoint);
    }

    /// <summary>
    /// Quantises a convolution whose weight is [O, ...] (row-major, <paramref name="weights"/>) with optional bias [O],
    /// reading an input encoded at <paramref name="inputScale"/>. A channel's scale is max|w| / 127, raised where needed
    /// so that its bias fits <see cref="BiasLimit"/> steps of inputScale · weightScale.
    /// </summary>
    public static ConvQuant Conv(ReadOnlySpan<float> weights, int outputChannels, ReadOnlySpan<float> bias, float inputScale)
    {
        if (outputChannels <= 0 || weights.Length % outputChannels != 0)
            throw new ArgumentException($"{weights.Length} weights do not split into {outputChannels} channels");
        if (bias.Length != 0 && bias.Length != outputChannels)
            throw new ArgumentException($"{bias.Length} biases for {outputChannels} channels");
        var perChannel = weights.Length / outputChannels;
        var scales = new float[outputChannels];
        var q = new sbyte[weights.Length];
        for (var c = 0; c < outputChannels; c++)
        {
            var channel = weights.Slice(c * perChannel, perChannel);
            var maxAbs = 0f;
            foreach (var w in channel) maxAbs = Math.Max(maxAbs, Math.Abs(w));
            var scale = Math.Max(maxAbs / 127f, MinWeightScale);
            if (bias.Length != 0) scale = Math.Max(scale, (float)(Math.Abs(bias[c]) / (inputScale * BiasLimit)));
            scales[c] = scale;
            for (var i = 0; i < perChannel; i++)
                q[(c * perChannel) + i] = (sbyte)Math.Clamp((int)MathF.Round(channel[i] / scale, MidpointRounding.ToEven), -127, 127);
        }
        if (bias.Length == 0) return new ConvQuant(q, scales, null, null);
        var biasScales = new float[outputChannels];
        var biasQ = new int[outputChannels];
        for (var c = 0; c < outputChannels; c++)
        {
            biasScales[c] = inputScale * scales[c];
            biasQ[c] = (int)Math.Round(bias[c] / (double)biasScales[c], MidpointRounding.ToEven);
        }
        return new ConvQuant(q, scales, biasQ, biasScales);
    }
}
