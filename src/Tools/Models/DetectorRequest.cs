using System.Runtime.CompilerServices;
using SsdLite.Runtime;
using SsdLite.Tools.Detect;

namespace SsdLite.Tools.Models;

/// <summary>
/// The detector <c>detect</c> and <c>eval</c> run, on the runtime <c>--runtime</c> names: TorchSharp on
/// <paramref name="device"/> (a checkpoint or .pth), or ONNX Runtime on the CPU (an .onnx, or torch weights exported
/// in memory).
/// </summary>
internal sealed class DetectorRequest(DetectorRuntime runtime, string device = "cpu") : ModelRequest<IObjectDetector>
{
    internal override IObjectDetector Open(ModelFile file)
    {
        if (runtime == DetectorRuntime.Torch)
        {
            if (file.Kind == ModelFileKind.Onnx) throw file.OnnxGiven("run it with --runtime onnx");
            return OpenTorch(file, device);
        }
        if (!string.Equals(device, "cpu", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--runtime onnx runs on the CPU (the Microsoft.ML.OnnxRuntime package); got --device {device}");
        return file.Load(new OnnxDetectorRequest());
    }

    // Its own method: naming TorchDetectorRequest (a ModelRequest<Detector>) in Open would load libtorch for ONNX models too.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IObjectDetector OpenTorch(ModelFile file, string device) => file.Load(new TorchDetectorRequest(device));
}
