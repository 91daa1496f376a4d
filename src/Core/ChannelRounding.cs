namespace SsdLite.Core;

/// <summary>How channel counts scale with the width multiplier.</summary>
public enum ChannelRounding
{
    /// <summary>make_divisible(c·width, 8), never below 90% of the unrounded value (the MobileNetV2 paper, torchvision).</summary>
    MakeDivisible,

    /// <summary>int(c·width), as the reference SSD repository does: its checkpoints at other widths need this.</summary>
    Truncate,
}

/// <summary>Channel arithmetic shared by the backbone and the detector's heads.</summary>
public static class Channels
{
    /// <summary>
    /// torchvision's _make_divisible: <paramref name="value"/> rounded to the nearest multiple of <paramref
    /// name="divisor"/>, never below 90% of it.
    /// </summary>
    public static int MakeDivisible(double value, int divisor = 8)
    {
        var rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        // Rounding down must not lose more than 10% of the channels.
        if (rounded < 0.9 * value) rounded += divisor;
        return rounded;
    }

    /// <summary><paramref name="channels"/> scaled by the width multiplier with the given rounding.</summary>
    public static int Scale(int channels, double width, ChannelRounding rounding) =>
        rounding == ChannelRounding.MakeDivisible ? MakeDivisible(channels * width) : (int)(channels * width);

    /// <summary>Hidden width of an inverted residual block: round(in·t), Python's round (half to even).</summary>
    public static int Hidden(int inChannels, double expandRatio) =>
        (int)Math.Round(inChannels * expandRatio, MidpointRounding.ToEven);
}
