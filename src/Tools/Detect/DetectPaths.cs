using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace SsdLite.Tools.Detect;

/// <summary>
/// The images a <c>detect</c> run covers, in order. <see cref="Skipped"/> counts the files a folder or a glob held
/// that are not images by their extension; <see cref="Empty"/> lists the folders and globs that gave no image.
/// </summary>
public sealed record DetectInputs(IReadOnlyList<string> Files, int Skipped, IReadOnlyList<string> Empty);

/// <summary>
/// Turns <c>detect</c>'s PATH arguments into image files: a file as it is (always attempted, whatever its
/// extension, and a missing one too, so that it gets its error entry), a folder's images (sorted; with
/// <c>recursive</c> its subfolders' as well), a glob's matches (<c>*</c>, <c>?</c> within a name, <c>**</c> across
/// folders; sorted), and <c>-</c> for one path a line from standard input, each taken as an argument would be.
/// </summary>
public static class DetectPaths
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff"];

    // Unix file names are case-sensitive, as shells glob them; Windows and macOS users expect the opposite.
    private static readonly StringComparison NameComparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    public static bool IsImageName(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static DetectInputs Expand(IEnumerable<string> paths, bool recursive = false, TextReader? standardInput = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        var empty = new List<string>();
        var skipped = 0;
        foreach (var path in paths)
        {
            if (path == "-")
            {
                var reader = standardInput ?? Console.In;
                for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
                {
                    if (line.Trim().Length > 0) skipped += ExpandOne(line.Trim(), recursive, files, empty);
                }
            }
            else
            {
                skipped += ExpandOne(path, recursive, files, empty);
            }
        }
        return new DetectInputs(files, skipped, empty);
    }

    private static int ExpandOne(string path, bool recursive, List<string> files, List<string> empty)
    {
        // A stream URL or a capture device is one input as it stands (a URL's ? is not a wildcard).
        if (Video.VideoInputs.IsLive(path) || File.Exists(path))
        {
            files.Add(path);
            return 0;
        }
        IReadOnlyList<string> found;
        if (Directory.Exists(path))
        {
            found = Directory.EnumerateFiles(path, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Order(StringComparer.Ordinal).ToList();
        }
        else if (IsPattern(path))
        {
            found = Glob(path);
        }
        else
        {
            files.Add(path);
            return 0;
        }
        // A pattern that names an extension (*.jpg, **/*.tga) asks for those files; a folder or *, **/* for its images.
        var named = IsPattern(path) && Path.GetExtension(path) is { Length: > 1 } ext && !IsPattern(ext);
        // Folders and bare globs also take the videos among their files (by extension), as detect reads those too.
        var images = named ? found : found.Where(f => IsImageName(f) || Video.VideoInputs.IsVideoName(f)).ToList();
        if (images.Count == 0) empty.Add(path);
        files.AddRange(images);
        return found.Count - images.Count;
    }

    private static bool IsPattern(string path) => path.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>The files matching a glob, sorted: the folders before its first wildcard are the root it searches from.</summary>
    private static List<string> Glob(string pattern)
    {
        var parts = pattern.Split(['/', Path.DirectorySeparatorChar]);
        var first = Array.FindIndex(parts, IsPattern);
        var root = string.Join('/', parts[..first]);
        var rest = string.Join('/', parts[first..]);
        // An absolute pattern's root is "" before the leading slash.
        var searchRoot = first == 0 ? "." : root.Length == 0 ? "/" : root;
        if (!Directory.Exists(searchRoot)) return [];
        // FileSystemGlobbing knows * and ** but not ?: it walks the folders for the pattern with * in place of each ?,
        // and a regular expression of the pattern itself keeps the names whose ? stand for exactly one character.
        var matcher = new Matcher(NameComparison);
        matcher.AddInclude(rest.Replace('?', '*'));
        var result = matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(searchRoot)));
        var exact = rest.Contains('?') ? ToRegex(rest) : null;
        var prefix = first == 0 ? "" : root + "/";
        return result.Files.Where(f => exact is null || exact.IsMatch(f.Path)).Select(f => prefix + f.Path).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A relative glob as a regular expression over '/'-separated paths: ** any folders, * and ? within a name.</summary>
    private static Regex ToRegex(string pattern)
    {
        var segments = pattern.Split('/');
        var text = new StringBuilder("^");
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            if (segments[i] == "**")
            {
                text.Append(last ? ".*" : "(?:[^/]*/)*");
                continue;
            }
            foreach (var c in segments[i])
            {
                text.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
            if (!last) text.Append('/');
        }
        text.Append('$');
        var ignoreCase = NameComparison == StringComparison.OrdinalIgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None;
        return new Regex(text.ToString(), RegexOptions.CultureInvariant | ignoreCase);
    }
}
