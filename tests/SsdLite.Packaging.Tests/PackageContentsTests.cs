using System.IO.Compression;
using System.Xml.Linq;

namespace SsdLite.Packaging.Tests;

/// <summary>What is inside the packages: sizes, dependencies (read from each .nuspec) and the metadata a gallery shows.</summary>
[Collection(PackagingCollection.Name)]
public sealed class PackageContentsTests(PackageFeed feed)
{
    private const long GalleryLimit = 250_000_000;

    // Natives that only an application may choose: a library depending on one forces it on every user.
    private static readonly string[] NativePackages =
        ["TorchSharp-cpu", "TorchSharp-cuda-linux", "TorchSharp-cuda-windows", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Gpu"];

    [Fact]
    public void EverySrcProjectIsPackedWithTheToolAndTheBundle()
    {
        var expected = Directory.GetFiles(Path.Combine(feed.RepoRoot, "src"), "SsdLite.*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension).Where(n => n != "SsdLite.Tools").Select(n => n!)
            .Concat(["SsdLite-cpu", "ssdlite", "ssdlite.linux-x64"]);
        var ids = feed.Packages().Select(Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(expected, id => Assert.Contains(id, ids));
    }

    [Fact]
    public void EveryPackageIsUnderTheGalleryLimit()
    {
        var files = Directory.GetFiles(feed.Feed, "*.*nupkg");
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length < GalleryLimit, $"{Path.GetFileName(f)}: {new FileInfo(f).Length} bytes"));
        var tool = Assert.Single(feed.Packages(), p => Id(p) == "ssdlite.linux-x64");
        // libtorch makes the platform package large; one with libtorch missing would be a few MB.
        Assert.True(new FileInfo(tool).Length > 50_000_000, $"{tool}: {new FileInfo(tool).Length} bytes, too small to hold libtorch");
    }

    [Fact]
    public void PackingFailsAPackageOverTheLimit()
    {
        var folder = feed.NewFolder("limit");
        var result = ProcessRun.Run("dotnet",
            ["pack", "src/Vision/SsdLite.Vision.csproj", "-c", "Release", "-o", folder, "-p:SsdLitePack=true", "-p:SsdLiteMaxPackageBytes=1000",
             $"-p:MinVerVersionOverride={feed.Version}", $"-p:SsdLitePackRoot={feed.BuildRoot}/"], feed.RepoRoot, timeout: TimeSpan.FromMinutes(10));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("over the gallery's limit of 1000 bytes", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LibraryPackagesDependOnNoNativePackage()
    {
        var libraries = feed.Packages().Where(p => Id(p).StartsWith("SsdLite.", StringComparison.Ordinal)).ToList();
        Assert.True(libraries.Count >= 7, $"only {libraries.Count} library packages");
        foreach (var package in libraries)
        {
            var dependencies = Dependencies(package);
            Assert.DoesNotContain(dependencies, d => NativePackages.Contains(d.Id, StringComparer.OrdinalIgnoreCase)
                || d.Id.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
            using var zip = ZipFile.OpenRead(package);
            Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("runtimes/", StringComparison.Ordinal));
            Assert.All(dependencies.Where(d => d.Id.StartsWith("SsdLite", StringComparison.Ordinal)), d => Assert.Equal(feed.Version, d.Version));
        }
        Assert.Contains(Dependencies(Package("SsdLite.Platform")), d => d.Id == "TorchSharp");
        Assert.Contains(Dependencies(Package("SsdLite.Runtime")), d => d.Id == "Microsoft.ML.OnnxRuntime.Managed");
    }

    [Fact]
    public void TheBundleBringsTheCpuNatives()
    {
        var dependencies = Dependencies(Package("SsdLite-cpu")).Select(d => d.Id).ToList();
        Assert.Contains("TorchSharp-cpu", dependencies);
        Assert.Contains("Microsoft.ML.OnnxRuntime", dependencies);
        Assert.Contains("SsdLite.Export", dependencies);
        Assert.Contains("SsdLite.Data", dependencies);
        using var zip = ZipFile.OpenRead(Package("SsdLite-cpu"));
        Assert.DoesNotContain(zip.Entries, e => e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void LibraryPackagesCarryTheirMetadataDocsAndSymbols()
    {
        foreach (var package in feed.Packages().Where(p => Id(p).StartsWith("SsdLite.", StringComparison.Ordinal)))
        {
            var id = Id(package);
            var metadata = Metadata(package);
            Assert.Equal("MIT", Element(metadata, "license")?.Value);
            Assert.Equal("expression", Element(metadata, "license")?.Attribute("type")?.Value);
            Assert.Equal("README.md", Element(metadata, "readme")?.Value);
            Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "description")?.Value), $"{id}: no description");
            Assert.NotEqual("Package Description", Element(metadata, "description")?.Value);
            Assert.Contains("object-detection", Element(metadata, "tags")?.Value ?? "", StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{40}$", Element(metadata, "repository")?.Attribute("commit")?.Value ?? "");
            using var zip = ZipFile.OpenRead(package);
            Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.dll");
            Assert.Contains(zip.Entries, e => e.FullName == $"lib/net10.0/{id}.xml");
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"{id}: no symbols package");
        }
    }

    [Fact]
    public void TheToolIsAPointerPackagePlusAPlatformPackageWithItsNatives()
    {
        using (var pointer = ZipFile.OpenRead(Package("ssdlite")))
        {
            Assert.Contains(pointer.Entries, e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
            Assert.DoesNotContain(pointer.Entries, e => e.FullName.EndsWith(".so", StringComparison.Ordinal));
        }
        using var linux = ZipFile.OpenRead(Package("ssdlite.linux-x64"));
        var names = linux.Entries.Select(e => e.FullName).ToList();
        foreach (var native in new[] { "libtorch_cpu.so", "libLibTorchSharp.so", "libonnxruntime.so", "libSkiaSharp.so", "ssdlite.dll" })
            Assert.Contains($"tools/net10.0/linux-x64/{native}", names);
        Assert.DoesNotContain(names, n => n.EndsWith(".dll", StringComparison.Ordinal) && n.Contains("torch_cpu", StringComparison.Ordinal));
    }

    private string Package(string id) => Assert.Single(feed.Packages(), p => string.Equals(Id(p), id, StringComparison.OrdinalIgnoreCase));

    private static string Id(string package) => Element(Metadata(package), "id")!.Value;

    private static XElement Metadata(string package) => PackageFeed.Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static XElement? Element(XElement parent, string name) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static List<(string Id, string Version)> Dependencies(string package) => Metadata(package).Descendants()
        .Where(e => e.Name.LocalName == "dependency")
        .Select(e => (e.Attribute("id")!.Value, e.Attribute("version")!.Value))
        .ToList();
}
