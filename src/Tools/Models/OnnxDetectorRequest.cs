using SsdLite.Core;
using SsdLite.Runtime;

namespace SsdLite.Tools.Models;

/// <summary>
/// An ONNX Runtime detector: an .onnx as it is (a named architecture must be the one it was exported from), or a
/// checkpoint or .pth exported in memory first, as <c>ssdlite export</c> would write it.
/// </summary>
internal sealed class OnnxDetectorRequest(OnnxDetectorOptions? options = null) : ModelRequest<OnnxDetector>
{
    internal override OnnxDetector Open(ModelFile file) =>
        file.Kind == ModelFileKind.Onnx ? OpenOnnx(file)
        // The class names travel in the exported model's metadata.
        : OnnxDetector.Load(InMemoryExport.ToOnnx(file), file.Path, null, options);

    private OnnxDetector OpenOnnx(ModelFile file)
    {
        var detector = OnnxDetector.Load(file.Path, file.ClassNames, options);
        if (file.Arch is { } named && detector.Metadata.TryGetValue(OnnxConventions.ArchKey, out var exported) && exported != named.Name())
        {
            detector.Dispose();
            throw new ArgumentException($"{file.Path} was exported from {exported}, not {named.Name()}");
        }
        return detector;
    }
}
