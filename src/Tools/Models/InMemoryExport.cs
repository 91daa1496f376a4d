using System.Runtime.CompilerServices;
using SsdLite.Export;

namespace SsdLite.Tools.Models;

/// <summary>
/// The torch step of <see cref="OnnxDetectorRequest"/>: a checkpoint or .pth exported to ONNX in memory. Its own
/// class, called only for torch weights, so that an .onnx model never loads SsdLite.Export (whose module initializer
/// prepares libtorch).
/// </summary>
internal static class InMemoryExport
{
    /// <exception cref="InvalidDataException">the weights could not be read, naming the file and why</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static byte[] ToOnnx(ModelFile file)
    {
        try
        {
            using var model = file.Load(new NetworkRequest());
            return OnnxExporter.ToBytes(model);
        }
        catch (Exception e) when (Commands.CommandRunner.IsUserError(e) && e is not (FileNotFoundException or ArgumentException or InvalidDataException))
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
