using System.Runtime.InteropServices;

namespace SsdLite.Tools.Bench;

/// <summary>
/// Where the figures were taken: cores, CPU model, runtime, libtorch version and threads, and oneDNN's instruction
/// set when the engine capped it (figures under a cap are not comparable with uncapped ones).
/// </summary>
public sealed record MachineInfo(int Cores, string Cpu, string Os, string Runtime, string Torch, int TorchThreads, string OneDnnIsa)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount, CpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        torch.__version__, torch.get_num_threads(), OneDnnIsaInEffect());

    // The engine's cap, else the user's own ONEDNN_MAX_CPU_ISA, else oneDNN's default (the best the CPU has).
    private static string OneDnnIsaInEffect() =>
        TorchEngine.EnsureInitialized().OneDnnIsaCap is { } cap ? $"{cap} (capped by SsdLite)"
        : Environment.GetEnvironmentVariable(SsdLite.Platform.Engine.OneDnnIsa.Variable) ?? "native";

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }

    public override string ToString() =>
        $"{Cpu}, {Cores} cores, {Os}, {Runtime}, libtorch {Torch} with {TorchThreads} thread(s), oneDNN ISA {OneDnnIsa}";
}
