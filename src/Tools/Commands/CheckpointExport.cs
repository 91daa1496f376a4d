using System.Runtime.CompilerServices;
using SsdLite.Core;
using SsdLite.Export;

namespace SsdLite.Tools.Commands;

/// <summary>
/// serve's one torch-bearing step: a checkpoint or .pth exported to ONNX in memory, as <c>ssdlite export</c> would
/// write it. Its own class, called only for a non-ONNX model, so that an .onnx model never loads SsdLite.Export (whose
/// module initializer prepares libtorch).
/// </summary>
internal static class CheckpointExport
{
    /// <exception cref="InvalidDataException">the weights could not be read, naming the file and why</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static byte[] ToOnnx(string weights, string? labels, string? arch)
    {
        try
        {
            TorchEngine.EnsureInitialized();
            using var model = ModelSource.Load(weights, LabelFile.Read(labels), arch is null ? null : SsdArchs.Parse(arch));
            return OnnxExporter.ToBytes(model);
        }
        catch (Exception e) when (CommandRunner.IsUserError(e) && e is not (FileNotFoundException or ArgumentException or InvalidDataException))
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
