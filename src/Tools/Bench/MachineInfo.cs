using System.Runtime.InteropServices;

namespace SsdLite.Tools.Bench;

/// <summary>Where the figures were taken: cores, CPU model, runtime, libtorch version and threads.</summary>
public sealed record MachineInfo(int Cores, string Cpu, string Os, string Runtime, string Torch, int TorchThreads)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount, CpuModel(), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
        torch.__version__, torch.get_num_threads());

    private static string CpuModel()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }

    public override string ToString() =>
        $"{Cpu}, {Cores} cores, {Os}, {Runtime}, libtorch {Torch} with {TorchThreads} thread(s)";
}
