using System.Reflection;
using System.Xml.Linq;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The torch-free assemblies never reach TorchSharp: neither through their project references (read from the
/// .csproj files, transitively) nor in their compiled metadata (the assemblies they reference, transitively).
/// </summary>
public sealed class LayerTests
{
    private static readonly string[] TorchFree = ["SsdLite.Vision", "SsdLite.Runtime", "SsdLite.Core", "SsdLite.Data", "SsdLite.Serving", "SsdLite.Tracking"];
    private static readonly string[] TorchBearing = ["SsdLite.Platform", "SsdLite.Backbone", "SsdLite.Detection", "SsdLite.Export"];

    public static TheoryData<string> TorchFreeAssemblies() => [.. TorchFree];

    [Theory]
    [MemberData(nameof(TorchFreeAssemblies))]
    public void ProjectReferencesNeverReachTorch(string name)
    {
        var projects = ProjectClosure(Project(name));
        Assert.DoesNotContain(projects, p => TorchBearing.Contains(Path.GetFileNameWithoutExtension(p)));
        foreach (var project in projects)
        {
            var packages = XDocument.Load(project).Descendants("PackageReference").Select(e => (string?)e.Attribute("Include") ?? "");
            Assert.DoesNotContain(packages, p => p.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
            Assert.Contains("<SsdLiteTorchFree>true</SsdLiteTorchFree>", File.ReadAllText(project), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(TorchFreeAssemblies))]
    public void CompiledReferencesNeverReachTorch(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<AssemblyName>([new AssemblyName(name)]);
        while (queue.Count > 0)
        {
            var next = queue.Dequeue();
            if (!seen.Add(next.Name!)) continue;
            Assert.False(next.Name!.StartsWith("TorchSharp", StringComparison.Ordinal), $"{name} reaches {next.Name} (through {string.Join(", ", seen)})");
            Assert.DoesNotContain(next.Name, TorchBearing);
            // Only SsdLite's own assemblies are followed: the framework's and the libraries' cannot name SsdLite's.
            if (!next.Name.StartsWith("SsdLite", StringComparison.Ordinal)) continue;
            foreach (var reference in Assembly.Load(next).GetReferencedAssemblies()) queue.Enqueue(reference);
        }
        Assert.Contains(name, seen);
    }

    [Fact]
    public void TheTorchBearingAssembliesDoReferenceTorch()
    {
        // The check above can fail: the assemblies that hold the network do name TorchSharp in their metadata.
        foreach (var name in TorchBearing)
            Assert.Contains(Assembly.Load(name).GetReferencedAssemblies(), r => r.Name == "TorchSharp");
    }

    private static string Project(string name)
    {
        var folder = name["SsdLite.".Length..];
        var path = Path.Combine(RepoRoot(), "src", folder, $"{name}.csproj");
        Assert.True(File.Exists(path), path);
        return path;
    }

    private static HashSet<string> ProjectClosure(string project)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([Path.GetFullPath(project)]);
        while (stack.Count > 0)
        {
            var next = stack.Pop();
            if (!found.Add(next)) continue;
            foreach (var reference in XDocument.Load(next).Descendants("ProjectReference"))
                stack.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, (string)reference.Attribute("Include")!)));
        }
        return found;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SsdLite.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no SsdLite.sln above the test's folder");
    }
}
