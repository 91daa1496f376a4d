namespace SsdLite.Platform.Engine;

/// <summary>
/// libLibTorchSharp 0.107 is built with GCC 13 and needs the symbol version GLIBCXX_3.4.32; Debian 12 and
/// Ubuntu 22.04 ship a libstdc++ that stops at 3.4.30, and the loader refuses the library. The one symbol of that
/// version is <c>_ZSt21ios_base_library_initv</c>, a marker GCC 13's &lt;iostream&gt; references and never calls.
/// Where the system's libstdc++ lacks a version the library needs, the library's bytes are patched in memory
/// (those needs marked weak) and loaded from an anonymous, sealed memory file (<see cref="SealedMemoryFile"/>):
/// no copy is ever written to, or read back from, a path that another user could write.
/// </summary>
public static class LibStdCxxFix
{
    /// <summary>The soname of the GNU C++ library.</summary>
    public const string LibStdCxx = "libstdc++.so.6";

    /// <summary>The needs of <paramref name="library"/> on libstdc++ that <paramref name="available"/> lacks.</summary>
    public static IReadOnlyList<ElfVersions.Need> MissingNeeds(ReadOnlySpan<byte> library, IReadOnlySet<string> available) =>
        ElfVersions.ReadNeeds(library).Where(n => n.File == LibStdCxx && !n.IsWeak && !available.Contains(n.Version)).ToList();

    /// <summary>
    /// Reads <paramref name="library"/> and decides what to load: the file itself when nothing is missing
    /// (<see cref="PreparedLibrary.PatchedBytes"/> null), else its bytes with the missing needs marked weak.
    /// Nothing is written anywhere.
    /// </summary>
    public static PreparedLibrary Prepare(string library, IReadOnlySet<string> available)
    {
        var bytes = File.ReadAllBytes(library);
        var missing = MissingNeeds(bytes, available);
        if (missing.Count == 0) return new PreparedLibrary(library, null, []);
        ElfVersions.MarkWeak(bytes, missing);
        return new PreparedLibrary(library, bytes, missing.Select(n => n.Version).ToList());
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
}

/// <summary>
/// What <see cref="LibStdCxxFix.Prepare"/> decided: the package's library, and the patched bytes to load instead
/// (null when the library loads as it is) with the versions whose need was marked weak.
/// </summary>
public sealed record PreparedLibrary(string OriginalPath, byte[]? PatchedBytes, IReadOnlyList<string> Weakened);
