using SsdLite.Detection;
using SsdLite.Detection.Models;
using SsdLite.Vision;
using TorchSharp.PyBridge;

namespace SsdLite.Export;

/// <summary>The file formats of a state_dict export.</summary>
public enum StateDictFormat
{
    /// <summary>PyTorch's zip format (torch.save since 1.6): the reference's <c>load_state_dict(torch.load(f))</c> reads it.</summary>
    Pth,

    /// <summary>Hugging Face safetensors: a JSON header of names, dtypes, shapes and offsets, then the raw bytes.</summary>
    Safetensors,
}

/// <summary>
/// Writes a model's weights under the reference's keys and shapes, BatchNorm weights and statistics included (not
/// folded), so the reference PyTorch code loads a model trained here. Written atomically.
/// </summary>
public static class StateDictExporter
{
    /// <summary>
    /// Writes the model's state dict (the reference's keys, BatchNorm included) to <paramref name="path"/> in <paramref
    /// name="format"/>, atomically.
    /// </summary>
    public static void Export(SsdLiteModel model, string path, StateDictFormat format)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var scope = NewDisposeScope();
        // The reference's keys in its order, as CPU tensors the writers can read byte for byte.
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous());
        AtomicFile.Write(path, stream =>
        {
            switch (format)
            {
                case StateDictFormat.Pth:
                    PyTorchPickler.PickleStateDict(stream, state, leaveOpen: true);
                    break;
                case StateDictFormat.Safetensors:
                    Safetensors.SaveStateDict(stream, state, leaveOpen: true);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(format), format, "unknown state_dict format");
            }
        });
    }
}
