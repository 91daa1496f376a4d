using SsdLite.Torch.Interop;

namespace SsdLite.Torch;

/// <summary>
/// Process-wide settings measured to matter here. libtorch starts with one intra-op thread on these machines,
/// so the count is set explicitly: the cores this process may use, or SSDLITE_NUM_THREADS. (The bridge itself
/// raises glibc's mmap/trim thresholds when it loads.)
/// </summary>
public static class ProcessSetup
{
    private static int configured;

    public static void EnsureConfigured()
    {
        if (Interlocked.Exchange(ref configured, 1) == 1) return;
        NativeMethods.ssd_set_num_threads(DefaultThreadCount());
    }

    public static int DefaultThreadCount()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SSDLITE_NUM_THREADS");
        if (int.TryParse(fromEnv, out var n) && n > 0) return n;
        return Math.Max(1, Environment.ProcessorCount);
    }
}
