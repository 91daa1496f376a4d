namespace SsdLite.Platform.Engine;

/// <summary>
/// What the engine set-up found and did: libtorch's version, the thread count, the libstdc++ versions whose need
/// was marked weak (empty where the system's libstdc++ has them all), the libLibTorchSharp file loaded, and the
/// instruction-set cap set for oneDNN on a processor that hides its caches (null when none was set) and the
/// evidence it was decided on (see <see cref="OneDnnIsa"/>).
/// </summary>
public sealed record EngineReport(string LibTorchVersion, int Threads, IReadOnlyList<string> WeakenedVersions, string? LibTorchSharpPath,
    string? OneDnnIsaCap = null, string OneDnnIsaReason = "")
{
    /// <summary>Whether a patched copy of libLibTorchSharp was loaded.</summary>
    public bool LibStdCxxFixApplied => WeakenedVersions.Count > 0;
}
