using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Models;

/// <summary>The torch network of a checkpoint or .pth (unfolded, in eval mode), as export starts from it.</summary>
internal sealed class NetworkRequest : ModelRequest<SsdLiteModel>
{
    internal override SsdLiteModel Open(ModelFile file)
    {
        if (file.Kind == ModelFileKind.Onnx) throw file.OnnxGiven("this needs an SsdLite checkpoint or a PyTorch .pth");
        TorchEngine.EnsureInitialized();
        return Detector.LoadModel(file.Path, file.ClassNames, file.Arch);
    }
}
