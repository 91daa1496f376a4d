using System.CommandLine;
using System.Runtime.CompilerServices;
using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Runtime;

namespace SsdLite.Tools.Detect;

/// <summary>What runs the network of <c>detect</c> and <c>eval</c>: TorchSharp (checkpoints, .pth) or ONNX Runtime (an exported .onnx).</summary>
internal enum DetectorRuntime
{
    Torch,
    Onnx,
}

/// <summary>The <c>--runtime torch|onnx</c> option and the detector each opens.</summary>
internal static class DetectorRuntimes
{
    public static Option<string> Option() =>
        new Option<string>("--runtime") { Description = "torch (an SsdLite checkpoint or .pth) or onnx (a model from ssdlite export, run in ONNX Runtime)", DefaultValueFactory = _ => "torch" }
            .AcceptOnlyFromAmong("torch", "onnx");

    public static DetectorRuntime Parse(string name) => name == "onnx" ? DetectorRuntime.Onnx : DetectorRuntime.Torch;

    /// <summary>
    /// The detector for <paramref name="weights"/>. ONNX Runtime runs on the CPU here and takes the class names from
    /// the model's metadata unless <paramref name="labels"/> name them (their count must match the model's).
    /// </summary>
    public static IObjectDetector Open(DetectorRuntime runtime, string weights, IReadOnlyList<string>? labels, string device, SsdArch? arch)
    {
        if (runtime == DetectorRuntime.Torch)
        {
            if (weights.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(weights))
                throw new ArgumentException($"{weights} is an ONNX model: run it with --runtime onnx");
            return OpenTorch(weights, labels, device, arch);
        }
        if (!string.Equals(device, "cpu", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--runtime onnx runs on the CPU (the Microsoft.ML.OnnxRuntime package); got --device {device}");
        var detector = OnnxDetector.Load(weights, labels);
        if (arch is { } named && detector.Metadata.TryGetValue(OnnxConventions.ArchKey, out var exported) && exported != named.Name())
        {
            detector.Dispose();
            throw new ArgumentException($"{weights} was exported from {exported}, not {named.Name()}");
        }
        return detector;
    }

    // Its own method: the JIT runs a module's initializer before a method that calls into the module, so naming
    // Detector in Open would load libtorch for ONNX models too.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IObjectDetector OpenTorch(string weights, IReadOnlyList<string>? labels, string device, SsdArch? arch)
    {
        TorchEngine.EnsureInitialized();
        return Detector.Load(weights, labels, Devices.Parse(device), arch: arch);
    }
}
