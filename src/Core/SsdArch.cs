namespace SsdLite.Core;

/// <summary>The detector architectures, by the reference's names (<c>--net</c> there, <c>arch</c> here).</summary>
public enum SsdArch
{
    /// <summary>MobileNetV2 SSD-Lite: inverted-residual extras, separable heads with BatchNorm and ReLU6 (the default).</summary>
    Mb2SsdLite,

    /// <summary>MobileNetV1 SSD-Lite: extras of a 1x1 conv and a separable 3x3 stride-2 conv, separable heads (no BatchNorm).</summary>
    Mb1SsdLite,

    /// <summary>MobileNetV1 SSD: extras of a 1x1 conv and a 3x3 stride-2 conv, plain 3x3 conv heads.</summary>
    Mb1Ssd,
}

/// <summary>The architectures' names as configs and checkpoints spell them.</summary>
public static class SsdArchs
{
    /// <summary>Every architecture, the default first.</summary>
    public static IReadOnlyList<SsdArch> All { get; } = [SsdArch.Mb2SsdLite, SsdArch.Mb1SsdLite, SsdArch.Mb1Ssd];

    /// <summary>"mb2-ssd-lite", "mb1-ssd-lite" or "mb1-ssd".</summary>
    public static string Name(this SsdArch arch) => arch switch
    {
        SsdArch.Mb2SsdLite => "mb2-ssd-lite",
        SsdArch.Mb1SsdLite => "mb1-ssd-lite",
        SsdArch.Mb1Ssd => "mb1-ssd",
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "unknown architecture"),
    };

    /// <summary>The names, for messages: "mb2-ssd-lite | mb1-ssd-lite | mb1-ssd".</summary>
    public static string Names => string.Join(" | ", All.Select(Name));

    /// <summary>
    /// Parses a name such as <c>mb2-ssd-lite</c> (case-insensitive); false for an unknown or empty name.
    /// </summary>
    public static bool TryParse(string? name, out SsdArch arch)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                arch = candidate;
                return true;
            }
        }
        arch = default;
        return false;
    }

    /// <exception cref="FormatException">not one of the names</exception>
    public static SsdArch Parse(string name) =>
        TryParse(name, out var arch) ? arch : throw new FormatException($"unknown architecture '{name}': use {Names}");
}
