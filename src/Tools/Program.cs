using System.CommandLine;
using SsdLite.Tools.Bench;
using SsdLite.Tools.Commands;

namespace SsdLite.Tools;

internal static class Program
{
    // The console has no module initializer (SsdLiteEngineInMain): each command that needs a tensor prepares the
    // engine itself (CommandRunner.RunWithEngine, the torch requests of Models.ModelFile), so that detect and eval on an ONNX model,
    // convert, synth and serve run in a process that never maps libtorch (docs/architecture.md).
    private static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ssdlite: train, evaluate and run MobileNet SSD and SSD-Lite detectors on Pascal VOC-format data");
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(MergeDetectionsCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(WeightsCommand.Create());
        root.Subcommands.Add(ChecksCommand.Create());
        root.Subcommands.Add(TrackEvalCommand.Create());
        return root;
    }
}
