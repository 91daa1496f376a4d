namespace SsdLite.Tests.Shared;

/// <summary>
/// How far a piece of work raises this process's resident-set peak, read from Linux's VmHWM after writing 5 to
/// /proc/self/clear_refs. The peak is the whole process's, so a test that reads it belongs to
/// <see cref="ResidentMemoryCollection"/> and runs with no other test beside it: CI once saw a 1.05 GiB peak that
/// tests loading models in parallel had made, not the refusal under test.
/// </summary>
internal static class ResidentMemory
{
    public const string Collection = "resident memory";

    /// <summary>What a refused crafted file may add: reading any of them would add gigabytes.</summary>
    public const long RefusalBound = 256L << 20;

    /// <summary>Runs <paramref name="work"/> and fails if it raised the peak by <paramref name="bound"/> bytes or more.</summary>
    public static T Bounded<T>(Func<T> work, long bound = RefusalBound)
    {
        if (!OperatingSystem.IsLinux()) return work();
        File.WriteAllText("/proc/self/clear_refs", "5");
        var before = Read("VmRSS:");
        var result = work();
        var growth = Read("VmHWM:") - before;
        Xunit.Assert.True(growth < bound, $"resident memory peaked {growth >> 10} KiB over the {before >> 10} KiB before, the bound is {bound >> 10} KiB");
        return result;
    }

    private static long Read(string key)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal));
        var kib = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        return kib * 1024;
    }
}

[Xunit.CollectionDefinition(ResidentMemory.Collection, DisableParallelization = true)]
public sealed class ResidentMemoryCollection
{
}
