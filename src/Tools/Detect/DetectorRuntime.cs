using System.CommandLine;

namespace SsdLite.Tools.Detect;

/// <summary>What runs the network of <c>detect</c> and <c>eval</c>: TorchSharp (checkpoints, .pth) or ONNX Runtime (an exported .onnx, or torch weights exported in memory).</summary>
internal enum DetectorRuntime
{
    Torch,
    Onnx,
}

/// <summary>The <c>--runtime torch|onnx</c> option; <see cref="Models.DetectorRequest"/> opens the detector it names.</summary>
internal static class DetectorRuntimes
{
    public static Option<string> Option() =>
        new Option<string>("--runtime") { Description = "torch (an SsdLite checkpoint or .pth) or onnx (run in ONNX Runtime: a model from ssdlite export, or a checkpoint/.pth exported in memory)", DefaultValueFactory = _ => "torch" }
            .AcceptOnlyFromAmong("torch", "onnx");

    public static DetectorRuntime Parse(string name) => name == "onnx" ? DetectorRuntime.Onnx : DetectorRuntime.Torch;
}
