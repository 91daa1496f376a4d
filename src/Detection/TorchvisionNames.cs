using System.Globalization;
using System.Text.RegularExpressions;

namespace SsdLite.Detection;

/// <summary>
/// Renames torchvision's mobilenet_v2 keys to the reference layout. torchvision nests each conv+BN+ReLU6 in its own
/// sequence (<c>features.2.conv.1.0.weight</c>); the reference flattens them (<c>base_net.2.conv.3.weight</c>): a
/// nested triple at position a, element b lands at 3a + b, and the plain conv and BN after them follow in order.
/// </summary>
public static partial class TorchvisionNames
{
    [GeneratedRegex(@"^features\.(\d+)\.conv\.(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex Nested();

    [GeneratedRegex(@"^features\.(\d+)\.conv\.(\d+)\.([a-z_]+)$")]
    private static partial Regex Plain();

    [GeneratedRegex(@"^features\.(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex Stem();

    /// <summary>Whether the keys are torchvision's MobileNetV2 layout (<c>features.*</c>).</summary>
    public static bool IsTorchvision(IEnumerable<string> keys) => keys.Any(k => k.StartsWith("features.", StringComparison.Ordinal));

    /// <summary>Maps every features.* key to <paramref name="prefix"/> + the reference name; other keys are returned unchanged.</summary>
    public static List<KeyValuePair<string, T>> ToReference<T>(IReadOnlyList<KeyValuePair<string, T>> source, string prefix)
    {
        var nestedPerBlock = new Dictionary<string, int>();
        foreach (var (key, _) in source)
        {
            var m = Nested().Match(key);
            if (!m.Success) continue;
            var count = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) + 1;
            var block = m.Groups[1].Value;
            nestedPerBlock[block] = Math.Max(nestedPerBlock.GetValueOrDefault(block), count);
        }
        return source.Select(kv => new KeyValuePair<string, T>(Rename(kv.Key, prefix, nestedPerBlock), kv.Value)).ToList();
    }

    private static string Rename(string key, string prefix, Dictionary<string, int> nestedPerBlock)
    {
        var nested = Nested().Match(key);
        if (nested.Success)
        {
            var index = 3 * Int(nested.Groups[2]) + Int(nested.Groups[3]);
            return $"{prefix}{nested.Groups[1].Value}.conv.{index}.{nested.Groups[4].Value}";
        }
        var plain = Plain().Match(key);
        if (plain.Success)
        {
            var nestedCount = nestedPerBlock.GetValueOrDefault(plain.Groups[1].Value);
            var index = 3 * nestedCount + (Int(plain.Groups[2]) - nestedCount);
            return $"{prefix}{plain.Groups[1].Value}.conv.{index}.{plain.Groups[3].Value}";
        }
        var stem = Stem().Match(key);
        if (stem.Success) return $"{prefix}{stem.Groups[1].Value}.{stem.Groups[2].Value}.{stem.Groups[3].Value}";
        return key;
    }

    private static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
}
