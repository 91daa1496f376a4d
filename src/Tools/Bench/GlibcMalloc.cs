using System.Runtime.InteropServices;

namespace SsdLite.Tools.Bench;

/// <summary>
/// Undoes the bridge's malloc tuning, to measure what it is worth: glibc's documented static defaults (mmap above
/// 128 KiB, up to 65536 maps, trim above 128 KiB, no top pad). glibc's dynamic mmap threshold stays off once
/// mallopt has been called, so this is the untuned allocator as a process that sets these values gets it.
/// </summary>
public static partial class GlibcMalloc
{
    private const int TrimThreshold = -1;
    private const int TopPad = -2;
    private const int MmapThreshold = -3;
    private const int MmapMax = -4;

    public static void RestoreDefaults()
    {
        if (!OperatingSystem.IsLinux()) return;
        _ = SsdLite.Torch.torch.get_num_threads(); // load the bridge first, so its own mallopt calls come before ours
        Set(MmapMax, 65536);
        Set(MmapThreshold, 128 * 1024);
        Set(TrimThreshold, 128 * 1024);
        Set(TopPad, 0);
    }

    private static void Set(int parameter, int value)
    {
        if (mallopt(parameter, value) != 1) throw new InvalidOperationException($"mallopt({parameter}, {value}) failed");
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int parameter, int value);
}
