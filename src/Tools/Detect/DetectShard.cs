using System.Globalization;
using System.Text.RegularExpressions;

namespace SsdLite.Tools.Detect;

/// <summary>
/// <c>detect --shard INDEX/COUNT</c>: worker <see cref="Index"/> (0-based, as Kubernetes' JOB_COMPLETION_INDEX) of
/// <see cref="Count"/> takes one contiguous block of the expanded input list, the same list an unsharded run goes
/// through in the same order. The blocks depend on the list and the count alone, never on batch size or workers, so
/// every input lands in exactly one shard and the shards in index order are the unsharded run's order.
/// </summary>
public readonly partial record struct DetectShard(int Index, int Count)
{
    /// <summary>The variable an Indexed Job sets in each pod to its completion index.</summary>
    public const string IndexVariable = "JOB_COMPLETION_INDEX";

    /// <summary>The shard count for <c>--shard auto</c> (an Indexed Job's <c>completions</c>), unless given as <c>auto/N</c>.</summary>
    public const string CountVariable = "SSDLITE_SHARD_COUNT";

    /// <summary>
    /// <c>I/N</c>, <c>auto</c> (I from <see cref="IndexVariable"/>, N from <see cref="CountVariable"/>) or <c>auto/N</c>.
    /// <paramref name="environment"/> reads a variable (the process environment when null).
    /// </summary>
    public static DetectShard Parse(string text, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        environment ??= Environment.GetEnvironmentVariable;
        var parts = text.Split('/');
        if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 1 && parts[0] != "auto"))
            throw new ArgumentException($"--shard {text}: expected INDEX/COUNT (0-based, e.g. 0/4), auto or auto/COUNT");
        var count = parts.Length == 2
            ? Number(parts[1], $"--shard {text}: the count")
            : Number(environment(CountVariable), $"--shard auto: {CountVariable} (the shard count; or write --shard auto/COUNT)");
        var index = parts[0] == "auto"
            ? Number(environment(IndexVariable), $"--shard auto: {IndexVariable} (the 0-based shard index an Indexed Job sets)")
            : Number(parts[0], $"--shard {text}: the index");
        if (count < 1) throw new ArgumentException($"--shard {text}: the shard count must be at least 1, got {count}");
        if (index >= count) throw new ArgumentException($"--shard {text}: index {index} is not below the count {count} (indexes are 0-based)");
        return new DetectShard(index, count);
    }

    private static int Number(string? text, string what)
    {
        if (text is null) throw new ArgumentException($"{what} is not set");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new ArgumentException($"{what} must be a non-negative whole number, got '{text}'");
        return value;
    }

    /// <summary>This shard's block of <paramref name="total"/> inputs: [Start, End), sizes differing by at most one.</summary>
    public (int Start, int End) Range(int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        return (Boundary(Index, total), Boundary(Index + 1, total));
    }

    private int Boundary(int k, int total) => (int)((long)k * total / Count);

    /// <summary>This shard's inputs out of the whole list.</summary>
    public IReadOnlyList<T> Take<T>(IReadOnlyList<T> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var (start, end) = Range(all.Count);
        return all.Skip(start).Take(end - start).ToList();
    }

    /// <summary>
    /// The file this shard writes for <paramref name="path"/>: <c>NAME-00001-of-00004.EXT</c>, so that every worker
    /// runs the same command line and <c>merge-detections</c> can tell each shard's place and whether one is missing.
    /// </summary>
    public string FileName(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var ext = Path.GetExtension(path);
        var suffix = string.Create(CultureInfo.InvariantCulture, $"-{Index:D5}-of-{Count:D5}");
        return path[..^ext.Length] + suffix + ext;
    }

    /// <summary>The shard a file name written by <see cref="FileName"/> carries, with the name it was made from.</summary>
    public static bool TryParseFileName(string path, out DetectShard shard, out string unsharded)
    {
        ArgumentNullException.ThrowIfNull(path);
        var ext = Path.GetExtension(path);
        var match = ShardSuffix().Match(path[..^ext.Length]);
        if (match.Success && int.TryParse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(match.Groups[2].ValueSpan, CultureInfo.InvariantCulture, out var count) && index < count)
        {
            shard = new DetectShard(index, count);
            unsharded = path[..match.Index] + ext;
            return true;
        }
        shard = default;
        unsharded = path;
        return false;
    }

    [GeneratedRegex(@"-(\d{5,})-of-(\d{5,})$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardSuffix();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
