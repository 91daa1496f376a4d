using SsdLite.Runtime;

namespace SsdLite.Core;

/// <summary>
/// SSD box coding: corner-form boxes against center-form priors to offsets
/// (dx, dy, dw, dh) = ((gcx - pcx) / pw / cv, (gcy - pcy) / ph / cv, log(gw / pw) / sv, log(gh / ph) / sv),
/// and back. Operations run in the reference's order so float results agree with it.
/// </summary>
public sealed class BoxCoder
{
    /// <summary>A coder with SSD's variances (centre 0.1, size 0.2) unless given.</summary>
    public BoxCoder(float centerVariance = 0.1f, float sizeVariance = 0.2f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(centerVariance);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sizeVariance);
        CenterVariance = centerVariance;
        SizeVariance = sizeVariance;
    }

    /// <summary>A coder with the variances of a prior spec.</summary>
    public BoxCoder(PriorSpec spec)
        : this(spec?.CenterVariance ?? throw new ArgumentNullException(nameof(spec)), spec.SizeVariance)
    {
    }

    /// <summary>The variance dividing centre offsets.</summary>
    public float CenterVariance { get; }

    /// <summary>The variance dividing log size ratios.</summary>
    public float SizeVariance { get; }

    /// <summary>Encodes N corner boxes against N center-form priors, box k against prior k.</summary>
    public void Encode(ReadOnlySpan<float> boxesCorner, ReadOnlySpan<float> priorsCenter, Span<float> locations)
    {
        CheckLengths(boxesCorner, priorsCenter, locations);
        for (var k = 0; k < boxesCorner.Length; k += 4)
        {
            EncodeOne(boxesCorner.Slice(k, 4), priorsCenter.Slice(k, 4), locations.Slice(k, 4));
        }
    }

    /// <summary>Decodes N offsets against N center-form priors to corner boxes.</summary>
    public void Decode(ReadOnlySpan<float> locations, ReadOnlySpan<float> priorsCenter, Span<float> boxesCorner)
    {
        CheckLengths(locations, priorsCenter, boxesCorner);
        for (var k = 0; k < locations.Length; k += 4)
        {
            DecodeOne(locations.Slice(k, 4), priorsCenter.Slice(k, 4), boxesCorner.Slice(k, 4));
        }
    }

    internal void EncodeOne(ReadOnlySpan<float> box, ReadOnlySpan<float> prior, Span<float> location)
    {
        var gcx = (box[0] + box[2]) / 2;
        var gcy = (box[1] + box[3]) / 2;
        var gw = box[2] - box[0];
        var gh = box[3] - box[1];
        location[0] = (gcx - prior[0]) / prior[2] / CenterVariance;
        location[1] = (gcy - prior[1]) / prior[3] / CenterVariance;
        location[2] = MathF.Log(gw / prior[2]) / SizeVariance;
        location[3] = MathF.Log(gh / prior[3]) / SizeVariance;
    }

    private void DecodeOne(ReadOnlySpan<float> location, ReadOnlySpan<float> prior, Span<float> box)
    {
        var cx = (location[0] * CenterVariance * prior[2]) + prior[0];
        var cy = (location[1] * CenterVariance * prior[3]) + prior[1];
        var w = MathF.Exp(location[2] * SizeVariance) * prior[2];
        var h = MathF.Exp(location[3] * SizeVariance) * prior[3];
        box[0] = cx - (w / 2);
        box[1] = cy - (h / 2);
        box[2] = cx + (w / 2);
        box[3] = cy + (h / 2);
    }

    private static void CheckLengths(ReadOnlySpan<float> input, ReadOnlySpan<float> priors, Span<float> output)
    {
        BoxMath.CheckPackedLength(input, nameof(input));
        if (priors.Length != input.Length)
        {
            throw new ArgumentException($"Expected {input.Length / 4} priors, got {priors.Length / 4}.", nameof(priors));
        }

        if (output.Length < input.Length)
        {
            throw new ArgumentException($"Output holds {output.Length} values, need {input.Length}.", nameof(output));
        }
    }
}
