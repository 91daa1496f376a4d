using SsdLite.Detection;

namespace SsdLite.Tools.Models;

/// <summary>A TorchSharp <see cref="Detector"/> of a checkpoint or .pth on <paramref name="device"/> (cpu or cuda).</summary>
internal sealed class TorchDetectorRequest(string device = "cpu", bool foldBatchNorm = true) : ModelRequest<Detector>
{
    internal override Detector Open(ModelFile file)
    {
        if (file.Kind == ModelFileKind.Onnx) throw file.OnnxGiven("this needs an SsdLite checkpoint or a PyTorch .pth");
        TorchEngine.EnsureInitialized();
        return Detector.Load(file.Path, file.ClassNames, Devices.Parse(device), foldBatchNorm, file.Arch);
    }
}
