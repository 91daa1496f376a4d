using SkiaSharp;

namespace SsdLite.Vision;

/// <summary>
/// A TrueType/OpenType font loaded from a file, for the text <see cref="PixelCanvas"/> draws. SkiaSharp's
/// dependency-free Linux build has no fontconfig and finds no font by family name, so the font is a file:
/// the one <see cref="EnvironmentVariable"/> names, else DejaVuSans.ttf (or a common sans) found in the usual font
/// folders, else any .ttf/.otf there. Where none is found, <see cref="Default"/> is null and text is left out.
/// </summary>
public sealed class PixelFont
{
    /// <summary>Names a font file to use instead of searching.</summary>
    public const string EnvironmentVariable = "SSDLITE_FONT";

    // Cap height of OpenCV's Hershey simplex font at scale 1 (its getTextSize height, less the stroke).
    private const float HersheyCapHeight = 21f;

    private static readonly string[] Preferred =
    [
        "DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf", "NotoSans-Regular.ttf",
        "Helvetica.ttf", "Roboto-Regular.ttf",
    ];

    private static readonly Lazy<PixelFont?> Found = new(FindDefault);

    private PixelFont(string path, SKTypeface typeface)
    {
        Path = path;
        Typeface = typeface;
        using var probe = new SKFont(typeface, 100f, 1f, 0f);
        float cap = Math.Abs(probe.Metrics.CapHeight);
        CapHeightPerPixel = cap > 1f && cap < 100f ? cap / 100f : 0.7f;
    }

    /// <summary>The font found for this process (searched once), or null when there is none.</summary>
    public static PixelFont? Default => Found.Value;

    /// <summary>The font file.</summary>
    public string Path { get; }

    /// <summary>Why text may be missing: where fonts were looked for and how to name one.</summary>
    public static string MissingFontHint =>
        $"no font file found (looked for DejaVuSans.ttf or any .ttf/.otf under {string.Join(", ", SearchFolders())}); " +
        $"set {EnvironmentVariable} to a font file to draw text";

    internal SKTypeface Typeface { get; }

    /// <summary>Cap height over font size, to size text as OpenCV's Hershey font of the same scale.</summary>
    internal float CapHeightPerPixel { get; }

    /// <summary>Loads a font file; null when the file is missing or not a font SkiaSharp reads.</summary>
    public static PixelFont? FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return null;
        }

        var typeface = SKTypeface.FromFile(path);
        return typeface is null ? null : new PixelFont(System.IO.Path.GetFullPath(path), typeface);
    }

    /// <summary>The folders searched for fonts on this machine (those that exist).</summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var folders = new List<string>
        {
            "/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts", "/Library/Fonts",
        };
        if (!string.IsNullOrEmpty(home))
        {
            folders.Add(System.IO.Path.Combine(home, ".fonts"));
            folders.Add(System.IO.Path.Combine(home, ".local", "share", "fonts"));
            folders.Add(System.IO.Path.Combine(home, "Library", "Fonts"));
        }

        string windows = Environment.GetFolderPath(Environment.SpecialFolder.Fonts);
        if (!string.IsNullOrEmpty(windows))
        {
            folders.Add(windows);
        }

        string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        if (!string.IsNullOrEmpty(local))
        {
            folders.Add(System.IO.Path.Combine(local, "Microsoft", "Windows", "Fonts"));
        }

        return folders.Where(Directory.Exists).Distinct().ToList();
    }

    /// <summary>
    /// The font file to use: <paramref name="environmentValue"/> when it names a file, else the first preferred
    /// name found under <paramref name="folders"/>, else the first .ttf/.otf there (regular styles first); null if none.
    /// </summary>
    public static string? Locate(string? environmentValue, IEnumerable<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        if (!string.IsNullOrWhiteSpace(environmentValue) && File.Exists(environmentValue))
        {
            return environmentValue;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MatchCasing = MatchCasing.CaseInsensitive };
        var files = new List<string>();
        foreach (string folder in folders)
        {
            if (!Directory.Exists(folder))
            {
                continue;
            }

            try
            {
                files.AddRange(Directory.EnumerateFiles(folder, "*.ttf", options));
                files.AddRange(Directory.EnumerateFiles(folder, "*.otf", options));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // An unreadable folder is no worse than a missing one.
            }
        }

        foreach (string name in Preferred)
        {
            string? hit = files.Where(f => System.IO.Path.GetFileName(f) == name).Order(StringComparer.Ordinal).FirstOrDefault();
            if (hit is not null)
            {
                return hit;
            }
        }

        return files.OrderBy(StyleRank).ThenBy(f => f, StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>The pixel size that gives text the cap height of OpenCV's Hershey font at <paramref name="scale"/>.</summary>
    internal float SizeFor(double scale) => (float)(HersheyCapHeight * scale / CapHeightPerPixel);

    private static int StyleRank(string path)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(path);
        string[] styled = ["Bold", "Italic", "Oblique", "Light", "Thin", "Black", "Condensed", "Mono", "Symbol", "Math"];
        return styled.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase)) ? 1 : 0;
    }

    private static PixelFont? FindDefault()
    {
        string? named = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(named) && FromFile(named) is { } chosen)
        {
            return chosen;
        }

        string? path = Locate(null, SearchFolders());
        return path is null ? null : FromFile(path);
    }
}
