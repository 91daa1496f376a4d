using System.CommandLine;
using SsdLite.Platform.Engine;
using SsdLite.Tools.Bench;
using SsdLite.Tools.Commands;

namespace SsdLite.Tools;

internal static class Program
{
    // The console prepares the engine here rather than in a module initializer (SsdLiteEngineInMain), so that serve,
    // dispatched first, runs an ONNX model in a process that never maps libtorch (docs/serving.md).
    private static int Main(string[] args)
    {
        if (ServeCommand.Handles(args)) return ServeCommand.Run(args);
        TorchEngine.EnsureInitialized();
        return BuildRoot().Parse(args).Invoke();
    }

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ssdlite: train, evaluate and run MobileNet SSD and SSD-Lite detectors on Pascal VOC-format data");
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ChecksCommand.Create());
        return root;
    }
}
