namespace SsdLite.Platform.Engine;

/// <summary>
/// What the engine set-up found and did: libtorch's version, the thread count, the libstdc++ versions whose need
/// was marked weak (empty where the system's libstdc++ has them all), the libLibTorchSharp file loaded, and the
/// instruction-set cap set for oneDNN on a processor where its faster kernels are wrong (null when none was set;
/// see <see cref="OneDnnIsa"/>).
/// </summary>
public sealed record EngineReport(string LibTorchVersion, int Threads, IReadOnlyList<string> WeakenedVersions, string? LibTorchSharpPath,
    string? OneDnnIsaCap = null)
{
    /// <summary>Whether a patched copy of libLibTorchSharp was loaded.</summary>
    public bool LibStdCxxFixApplied => WeakenedVersions.Count > 0;
}
