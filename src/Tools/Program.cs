using System.CommandLine;
using SsdLite.Tools.Commands;

namespace SsdLite.Tools;

internal static partial class Program
{
    private static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ssdlite: train, evaluate and run MobileNetV2 SSD-Lite detectors on Pascal VOC-format data");
        root.Subcommands.Add(SynthCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        RegisterBench(root);
        return root;
    }

    // The bench command lives in Bench/ (its own branch); it implements this with
    // `static partial void RegisterBench(RootCommand root) => root.Subcommands.Add(BenchCommand.Create());`
    // so this file builds with or without it.
    static partial void RegisterBench(RootCommand root);
}
