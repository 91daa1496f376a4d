namespace SsdLite.Tools.Weights;

/// <summary>
/// What <c>--pretrained</c> and <c>--weights</c> accept: a path to a file, or the name of a published file
/// (<see cref="WeightsTable"/>), fetched into the cache on first use. A path that exists always wins, so a local
/// file named like a published one is used as it is.
/// </summary>
public static class WeightsResolver
{
    /// <summary>The file <paramref name="nameOrPath"/> stands for; names are fetched through <paramref name="store"/> (default: the environment's).</summary>
    public static string Resolve(string nameOrPath, WeightsStore? store = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        if (File.Exists(nameOrPath) || Directory.Exists(nameOrPath)) return nameOrPath;
        if (WeightsTable.Find(nameOrPath) is { } published) return (store ?? WeightsStore.FromEnvironment()).Get(published);
        // A path that is missing is the loader's to report ("model file not found: PATH"), as before names existed.
        if (LooksLikePath(nameOrPath)) return nameOrPath;
        throw new FileNotFoundException($"{nameOrPath}: no such file, and not the name of published weights " +
            $"(names: {string.Join(", ", WeightsTable.All.Select(w => w.Name))}; see ssdlite weights list)", nameOrPath);
    }

    private static bool LooksLikePath(string value) =>
        value.Contains('/') || value.Contains(Path.DirectorySeparatorChar) || Path.GetExtension(value).Length > 1;
}
