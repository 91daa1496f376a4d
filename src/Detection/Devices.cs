using System.Globalization;

namespace SsdLite.Detection;

/// <summary>Device names as the console takes them (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>), checked against the engine.</summary>
public static class Devices
{
    /// <summary>
    /// Parses <c>cpu</c>, <c>cuda</c> (the first GPU) or <c>cuda:N</c>; says which names exist otherwise. Only names the
    /// device (torch.device() would load the CUDA backend and throw where there is none): see <see cref="EnsureAvailable"/>.
    /// </summary>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if (t == "cuda") return new Device(DeviceType.CUDA, 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"unknown device '{text}' (expected cpu, cuda or cuda:N)", nameof(text));
    }

    /// <summary>
    /// Returns <paramref name="target"/> when the engine can run on it; a CUDA device without a usable GPU (the
    /// default build's TorchSharp-cpu, a missing driver, an index past the last GPU) throws with what to do.
    /// </summary>
    public static Device EnsureAvailable(Device target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.type == DeviceType.CPU) return target;
        if (target.type != DeviceType.CUDA)
            throw new ArgumentException($"device '{target}' is not supported (expected cpu or cuda)", nameof(target));
        if (!cuda.is_available())
        {
            throw new ArgumentException(
                $"device '{target}': this libtorch has no usable CUDA device (torch.cuda.is_available() is false). The default " +
                "build carries the CPU-only TorchSharp-cpu; build with -p:SsdLiteCuda=true on a machine with an NVIDIA GPU " +
                "and driver (docs/gpu.md), or use --device cpu", nameof(target));
        }
        var count = cuda.device_count();
        if (target.index >= count)
            throw new ArgumentException($"device '{target}': only {count} CUDA device(s) present (cuda:0 … cuda:{count - 1})", nameof(target));
        return target;
    }
}
