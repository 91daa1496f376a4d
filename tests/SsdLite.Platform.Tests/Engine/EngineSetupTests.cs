using System.Text;
using SsdLite.Platform.Engine;
using TorchSharp;

namespace SsdLite.Platform.Tests.Engine;

public class EngineSetupTests
{
    private const string Gcc13Version = "GLIBCXX_3.4.32";

    private static string TorchSharpLibrary()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"the build output has no {path}");
        return path;
    }

    // An independent look at the system's libstdc++: the version names are plain strings in its .dynstr.
    private static bool SystemLibStdCxxNames(string version)
    {
        var path = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
            .First(File.Exists);
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(version + "\0")) >= 0;
    }

    [Fact]
    public void LibTorchLoadsAndReportsVersion210()
    {
        var report = TorchEngine.EnsureInitialized();
        Assert.StartsWith("2.10", report.LibTorchVersion);
        Assert.StartsWith("2.10", torch.__version__);
        using var sum = torch.ones(3) + torch.ones(3);
        Assert.Equal(6f, sum.sum().item<float>());
    }

    [Fact]
    public void FixIsAppliedExactlyWhenTheSystemLibStdCxxLacksGcc13sVersion()
    {
        var report = TorchEngine.EnsureInitialized();
        var original = TorchSharpLibrary();
        if (SystemLibStdCxxNames(Gcc13Version))
        {
            Assert.False(report.LibStdCxxFixApplied);
            Assert.Equal(original, report.LibTorchSharpPath);
            return;
        }
        Assert.True(report.LibStdCxxFixApplied);
        Assert.Equal([Gcc13Version], report.WeakenedVersions);
        Assert.NotNull(report.LibTorchSharpPath);
        Assert.NotEqual(Path.GetFullPath(original), Path.GetFullPath(report.LibTorchSharpPath!));
        Assert.DoesNotContain(".nuget", report.LibTorchSharpPath!);

        // The copy differs from the package's file in that one flag and nowhere else.
        var before = File.ReadAllBytes(original);
        var after = File.ReadAllBytes(report.LibTorchSharpPath!);
        Assert.Equal(before.Length, after.Length);
        var differing = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        Assert.Single(differing);
        var need = ElfVersions.ReadNeeds(after).Single(n => n.Version == Gcc13Version);
        Assert.Equal(need.FlagsOffset, differing[0]);
        Assert.True(need.IsWeak);
        Assert.All(ElfVersions.ReadNeeds(after).Where(n => n.Version != Gcc13Version), n => Assert.False(n.IsWeak));
    }

    [Fact]
    public void FixIsNotAppliedWhereLibStdCxxHasEveryVersion()
    {
        var library = TorchSharpLibrary();
        var withGcc13 = new HashSet<string>(LibStdCxxFix.SystemVersions()) { Gcc13Version };
        var prepared = LibStdCxxFix.Prepare(library, withGcc13);
        Assert.Equal(library, prepared.OriginalPath);
        Assert.Null(prepared.PatchedBytes);
        Assert.Empty(prepared.Weakened);
    }

    [Fact]
    public void ThePatchedLibraryComesFromASealedMemoryFileAndNoFolder()
    {
        var report = TorchEngine.EnsureInitialized();
        if (!report.LibStdCxxFixApplied) return;
        Assert.StartsWith("/proc/self/fd/", report.LibTorchSharpPath);
        // The loader mapped the anonymous file; no libLibTorchSharp outside the package folder is mapped.
        var mapped = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 6 && f[5].Contains("libLibTorchSharp", StringComparison.Ordinal)).Select(f => f[5].Trim()).Distinct().ToList();
        Assert.Contains("/memfd:libLibTorchSharp.so (deleted)", mapped);
        Assert.All(mapped, m => Assert.True(m.StartsWith("/memfd:", StringComparison.Ordinal) || m == TorchSharpLibrary(), m));
        // Sealed: it cannot be written, grown or shrunk, even by this process.
        Assert.Throws<UnauthorizedAccessException>(() => File.WriteAllBytes(report.LibTorchSharpPath!, [1, 2, 3]));
    }

    [Fact]
    public void ASealedMemoryFileHoldsItsBytesAndRefusesWrites()
    {
        byte[] bytes = [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7))];
        var file = SealedMemoryFile.Create("ssdlite-test", bytes);
        Assert.Equal(SealedMemoryFile.AllSeals, file.Seals);
        Assert.Equal(bytes, File.ReadAllBytes(file.Path));
        Assert.Throws<UnauthorizedAccessException>(() => File.AppendAllText(file.Path, "x")); // EPERM from the seal
    }

    [Fact]
    public void VersionNeedsMatchReadelf()
    {
        // readelf -V on libLibTorchSharp 0.107: 5 files, 20 versions from libstdc++.so.6, 5 from libc.so.6.
        var needs = ElfVersions.ReadNeeds(File.ReadAllBytes(TorchSharpLibrary()));
        Assert.Equal(5, needs.Select(n => n.File).Distinct().Count());
        Assert.Equal(20, needs.Count(n => n.File == LibStdCxxFix.LibStdCxx));
        Assert.Equal(5, needs.Count(n => n.File == "libc.so.6"));
        Assert.Contains(needs, n => n.File == LibStdCxxFix.LibStdCxx && n.Version == Gcc13Version);
        Assert.Contains(needs, n => n.File == "libgcc_s.so.1" && n.Version == "GCC_3.0");
    }

    [Fact]
    public void SystemVersionsAgreeWithTheRawStrings()
    {
        var versions = LibStdCxxFix.SystemVersions();
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Equal(SystemLibStdCxxNames(Gcc13Version), versions.Contains(Gcc13Version));
        Assert.Equal(SystemLibStdCxxNames("GLIBCXX_3.4.30"), versions.Contains("GLIBCXX_3.4.30"));
    }

    [Fact]
    public void ThreadCountIsSetExplicitly()
    {
        TorchEngine.EnsureInitialized();
        Assert.Equal(TorchEngine.DefaultThreadCount(), torch.get_num_threads());
    }

    [Fact]
    public void LibTorchsLogLevelIsErrorUnlessTheUserSetsIt()
    {
        TorchEngine.EnsureInitialized();
        if (!OperatingSystem.IsLinux()) return;
        // c10's own flag, read from libc10's exported symbol: 0 INFO, 1 WARNING (libtorch's default), 2 ERROR.
        Assert.True(System.Runtime.InteropServices.NativeLibrary.TryLoad("libc10.so", typeof(torch).Assembly, null, out var c10));
        var level = System.Runtime.InteropServices.Marshal.ReadInt32(System.Runtime.InteropServices.NativeLibrary.GetExport(c10, "FLAGS_caffe2_log_level"));
        var expected = Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL")?.ToUpperInvariant() switch
        {
            null => 2,
            "INFO" or "0" => 0,
            "WARNING" or "1" => 1,
            "ERROR" or "2" => 2,
            var other => throw new InvalidOperationException($"this test does not know TORCH_CPP_LOG_LEVEL={other}"),
        };
        Assert.Equal(expected, level);
    }

    [Fact]
    public void ANonElfFileIsRefused()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersions.ReadNeeds("#!/bin/sh\necho not a library\n"u8.ToArray()));
    }
}
