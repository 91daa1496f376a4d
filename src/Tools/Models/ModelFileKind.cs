namespace SsdLite.Tools.Models;

/// <summary>What a model file holds, as <see cref="ModelFile.Open"/> tells it.</summary>
internal enum ModelFileKind
{
    /// <summary>An ONNX model (from <c>ssdlite export</c>), run by ONNX Runtime with no libtorch mapped.</summary>
    Onnx,

    /// <summary>
    /// Torch weights: an SsdLite checkpoint or a PyTorch .pth. Their layout (checkpoint, reference detector, torchvision
    /// or base-net backbone) is told by <c>ModelWeights.Read</c> from the content when a torch request reads them.
    /// </summary>
    Weights,
}
