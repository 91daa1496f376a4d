using SharpFuzz;

namespace SsdLite.Fuzz;

/// <summary>
/// <c>SsdLite.Fuzz TARGET</c> under afl-fuzz (scripts/fuzz.sh): SharpFuzz's out-of-process loop feeds each input to
/// <see cref="FuzzTargets.Run"/>. <c>SsdLite.Fuzz TARGET FILE...</c> runs files once, outside the fuzzer.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: SsdLite.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.Names)}");
            return 2;
        }
        var target = args[0];
        var work = Path.Combine(Path.GetTempPath(), $"ssdlite-fuzz-{target}-{Environment.ProcessId}");
        if (args.Length > 1)
        {
            foreach (var file in args.Skip(1)) FuzzTargets.Run(target, File.ReadAllBytes(file), work);
            return 0;
        }
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            FuzzTargets.Run(target, memory.ToArray(), work);
        });
        return 0;
    }
}
