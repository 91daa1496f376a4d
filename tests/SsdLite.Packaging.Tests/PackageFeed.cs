using System.IO.Compression;
using System.Xml.Linq;

namespace SsdLite.Packaging.Tests;

/// <summary>
/// Every SsdLite package, freshly packed by scripts/pack.sh under a version no earlier run used (the NuGet caches
/// are keyed by id and version, so a reused version could hand out stale bits), into a local feed in a temporary
/// folder outside the repository. Consumers restore with a private NUGET_PACKAGES folder; the machine's global
/// packages folder serves as a fallback for third-party packages only (SsdLite's versions are not in it), so
/// libtorch is not extracted again each run. The tool is packed for linux-x64 only (scripts/pack.sh packs all three).
/// </summary>
public sealed class PackageFeed : IDisposable
{
    private readonly TempFolder root = new("packaging");
    private readonly Lazy<ToolRun> tool;

    public PackageFeed()
    {
        Version = $"0.0.0-test.t{Guid.NewGuid():N}";
        RepoRoot = FindRepoRoot();
        Feed = Directory.CreateDirectory(root["feed"]).FullName;
        NuGetPackages = Directory.CreateDirectory(root["nuget-packages"]).FullName;
        MachinePackages = MachineGlobalPackages();
        BuildRoot = root["build"];
        var pack = ProcessRun.Run("bash", ["scripts/pack.sh", Feed, $"-p:MinVerVersionOverride={Version}", $"-p:SsdLitePackRoot={BuildRoot}/"],
            RepoRoot, new Dictionary<string, string> { ["SSDLITE_TOOL_RIDS"] = "linux-x64" }, TimeSpan.FromMinutes(40));
        PackLog = pack.EnsureSuccess().Output;
        PackTime = pack.Elapsed;
        WriteNuGetConfig();
        tool = new Lazy<ToolRun>(() => new ToolRun(this));
    }

    /// <summary>The version every package of this run carries.</summary>
    public string Version { get; }

    /// <summary>The local feed: a folder of .nupkg and .snupkg files.</summary>
    public string Feed { get; }

    /// <summary>The consumers' private global packages folder.</summary>
    public string NuGetPackages { get; }

    /// <summary>The machine's global packages folder (a fallback folder for third-party packages).</summary>
    public string MachinePackages { get; }

    /// <summary>The repository the packages were packed from.</summary>
    public string RepoRoot { get; }

    /// <summary>The pack build's output folder (SsdLitePackRoot).</summary>
    public string BuildRoot { get; }

    /// <summary>What scripts/pack.sh printed.</summary>
    public string PackLog { get; }

    /// <summary>How long packing took.</summary>
    public TimeSpan PackTime { get; }

    /// <summary>The folder holding nuget.config; consumer projects are built below it.</summary>
    public string Workspace => root.Path;

    /// <summary>The ssdlite tool installed from the feed, with a synthetic set, a 1-epoch run and its ONNX export.</summary>
    internal ToolRun Tool => tool.Value;

    /// <summary>Environment for consumer builds: the private NUGET_PACKAGES folder.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = NuGetPackages };

    /// <summary>A new empty folder under the workspace.</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(root[$"{name}-{Guid.NewGuid():N}"]).FullName;

    /// <summary>Every .nupkg in the feed.</summary>
    public IReadOnlyList<string> Packages() => Directory.GetFiles(Feed, "*.nupkg").Order(StringComparer.Ordinal).ToList();

    /// <summary>The .nuspec inside <paramref name="package"/>.</summary>
    public static XDocument Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entry = zip.Entries.Single(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = entry.Open();
        return XDocument.Load(stream);
    }

    /// <summary>Runs dotnet with the consumer environment in <paramref name="workingDirectory"/>.</summary>
    public ProcessResult Dotnet(string workingDirectory, params string[] arguments) =>
        ProcessRun.Run("dotnet", arguments, workingDirectory, Environment, TimeSpan.FromMinutes(15));

    /// <summary>Copies the consumer app <paramref name="name"/> (Apps/NAME) into a new folder under the workspace.</summary>
    public string CopyApp(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Apps", name);
        var target = NewFolder(name);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }

    public void Dispose() => root.Dispose();

    private void WriteNuGetConfig()
    {
        var config = new XDocument(new XElement("configuration",
            new XElement("packageSources", new XElement("clear"),
                Source("ssdlite-feed", Feed),
                Source("machine-packages", MachinePackages)),
            new XElement("fallbackPackageFolders", new XElement("clear"), Source("machine-packages", MachinePackages))));
        config.Save(Path.Combine(root.Path, "nuget.config"));
    }

    private static XElement Source(string key, string value) => new("add", new XAttribute("key", key), new XAttribute("value", value));

    private string MachineGlobalPackages()
    {
        var fromEnv = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        var list = ProcessRun.Run("dotnet", ["nuget", "locals", "global-packages", "--list"], RepoRoot).EnsureSuccess().Output;
        var line = list.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("global-packages:", StringComparison.Ordinal));
        return line["global-packages:".Length..].Trim();
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SsdLite.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("SsdLite.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The packaging tests share one feed: packing takes minutes.</summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection : ICollectionFixture<PackageFeed>
{
    public const string Name = "packaging";
}
