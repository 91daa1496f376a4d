using System.Runtime.InteropServices;

namespace SsdLite.Platform.Engine;

/// <summary>
/// glibc's default thresholds mmap every large block and return it on free, and trim the heap eagerly, so each
/// training step pays for fresh zeroed pages: 3-15x slower libtorch here. Freed memory is kept in the heap instead;
/// at batch 32 a step frees over 1 GiB at once, hence the trim threshold above that. Resident memory then stays at
/// the first steps' high-water mark.
/// </summary>
public static partial class GlibcMalloc
{
    private const int TrimThresholdParameter = -1;
    private const int TopPadParameter = -2;
    private const int MmapThresholdParameter = -3;
    private const int MmapMaxParameter = -4;

    /// <summary>The trim threshold set by <see cref="Tune"/>: 2 GiB (the largest value glibc accepts as an int is 2^31 - 1).</summary>
    public const int TrimThreshold = int.MaxValue;

    /// <summary>The top pad set by <see cref="Tune"/>: 64 MiB grown at a time.</summary>
    public const int TopPad = 64 << 20;

    /// <summary>
    /// Keeps freed memory in the heap (no mmap for large blocks, no eager trim); does nothing off Linux.
    /// </summary>
    public static void Tune()
    {
        if (!OperatingSystem.IsLinux()) return;
        Set(MmapMaxParameter, 0);
        Set(TrimThresholdParameter, TrimThreshold);
        Set(TopPadParameter, TopPad);
    }

    /// <summary>glibc's documented static defaults, to measure what <see cref="Tune"/> is worth (bench only).</summary>
    public static void RestoreDefaults()
    {
        if (!OperatingSystem.IsLinux()) return;
        Set(MmapMaxParameter, 65536);
        Set(MmapThresholdParameter, 128 * 1024);
        Set(TrimThresholdParameter, 128 * 1024);
        Set(TopPadParameter, 0);
    }

    private static void Set(int parameter, int value)
    {
        if (mallopt(parameter, value) != 1) throw new InvalidOperationException($"mallopt({parameter}, {value}) failed");
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
