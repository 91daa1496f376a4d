using System.Text.RegularExpressions;

namespace SsdLite.Platform.Tests.Layout;

/// <summary>
/// Namespace = assembly = folder: a reader who knows a type's namespace opens the folder of the same name. The
/// namespace each src/ file should declare is computed from its path alone (src/Data/Synthetic/X.cs declares
/// SsdLite.Data.Synthetic), and src/Shared, linked into every assembly, declares SsdLite.Shared.
/// </summary>
public sealed partial class NamespaceLayoutTests
{
    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileScopedNamespace();

    [GeneratedRegex(@"^namespace\s+[\w.]+\s*\{", RegexOptions.Multiline)]
    private static partial Regex BlockNamespace();

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SsdLite.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SsdLite.sln not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> SourceFiles(string src) =>
        Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    internal static string ExpectedNamespace(string srcRoot, string file)
    {
        var folders = Path.GetRelativePath(srcRoot, Path.GetDirectoryName(file)!).Split(Path.DirectorySeparatorChar);
        return "SsdLite." + string.Join('.', folders);
    }

    [Fact]
    public void ExpectedNamespaceFollowsTheFolders()
    {
        var src = Path.Combine("repo", "src");
        Assert.Equal("SsdLite.Runtime", ExpectedNamespace(src, Path.Combine(src, "Runtime", "Nms.cs")));
        Assert.Equal("SsdLite.Data.Synthetic", ExpectedNamespace(src, Path.Combine(src, "Data", "Synthetic", "SyntheticVoc.cs")));
    }

    [Fact]
    public void EverySourceFileDeclaresTheNamespaceOfItsFolder()
    {
        var src = Path.Combine(RepoRoot(), "src");
        var files = SourceFiles(src).ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found under {src}");
        var wrong = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            if (BlockNamespace().IsMatch(text)) wrong.Add($"{file}: block-scoped namespace");
            var declared = FileScopedNamespace().Matches(text).Select(m => m.Groups[1].Value).ToList();
            var expected = ExpectedNamespace(src, file);
            // GlobalUsings.cs and similar hold no types and may declare none.
            if (declared.Count == 0 && !Regex.IsMatch(text, @"\b(class|struct|record|interface|enum)\s+\w+")) continue;
            if (declared.Count != 1 || declared[0] != expected)
                wrong.Add($"{Path.GetRelativePath(src, file)}: declares {(declared.Count == 0 ? "none" : string.Join(", ", declared))}, folder says {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
