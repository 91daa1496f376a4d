using System.Security.Cryptography;

namespace SsdLite.Platform.Engine;

/// <summary>
/// libLibTorchSharp 0.107 is built with GCC 13 and needs the symbol version GLIBCXX_3.4.32; Debian 12 and
/// Ubuntu 22.04 ship a libstdc++ that stops at 3.4.30, and the loader refuses the library. The one symbol of that
/// version is <c>_ZSt21ios_base_library_initv</c>, a marker GCC 13's &lt;iostream&gt; references and never calls.
/// Where the system's libstdc++ lacks a version the library needs, a copy of the library with those needs
/// marked weak is written to a cache folder (never into the package) and loaded instead.
/// </summary>
public static class LibStdCxxFix
{
    /// <summary>The soname of the GNU C++ library.</summary>
    public const string LibStdCxx = "libstdc++.so.6";

    /// <summary>The needs of <paramref name="library"/> on libstdc++ that <paramref name="available"/> lacks.</summary>
    public static IReadOnlyList<ElfVersions.Need> MissingNeeds(ReadOnlySpan<byte> library, IReadOnlySet<string> available) =>
        ElfVersions.ReadNeeds(library).Where(n => n.File == LibStdCxx && !n.IsWeak && !available.Contains(n.Version)).ToList();

    /// <summary>
    /// Returns the path to load: <paramref name="library"/> itself when nothing is missing, else a patched copy
    /// under <paramref name="cacheRoot"/>, named by the original's hash so that each TorchSharp version gets its own.
    /// </summary>
    public static (string Path, IReadOnlyList<string> Weakened) Prepare(string library, IReadOnlySet<string> available, string cacheRoot)
    {
        var bytes = File.ReadAllBytes(library);
        var missing = MissingNeeds(bytes, available);
        if (missing.Count == 0) return (library, []);
        var hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        var folder = Path.Combine(cacheRoot, hash);
        var target = Path.Combine(folder, Path.GetFileName(library));
        if (!File.Exists(target))
        {
            ElfVersions.MarkWeak(bytes, missing);
            Directory.CreateDirectory(folder);
            var temp = Path.Combine(folder, $".{Path.GetFileName(library)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(temp, bytes);
            try
            {
                File.Move(temp, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another process wrote the same copy first.
            }
            finally
            {
                File.Delete(temp);
            }
        }
        return (target, missing.Select(n => n.Version).ToList());
    }

    /// <summary>The versions defined by the libstdc++ this process has loaded (found through /proc/self/maps).</summary>
    public static IReadOnlySet<string> SystemVersions()
    {
        System.Runtime.InteropServices.NativeLibrary.Load(LibStdCxx);
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libstdc++.so", StringComparison.Ordinal))
            .Select(f => f[5])
            .FirstOrDefault() ?? throw new InvalidOperationException($"{LibStdCxx} is not mapped into this process");
        return ElfVersions.ReadDefinitions(File.ReadAllBytes(path));
    }

    /// <summary>Where patched copies go: $XDG_CACHE_HOME/ssdlite/native, else ~/.cache/ssdlite/native, else the temp folder.</summary>
    public static string DefaultCacheRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cache))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            cache = string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
        }
        return Path.Combine(cache, "ssdlite", "native");
    }
}
