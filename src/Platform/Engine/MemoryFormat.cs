using TorchSharp;

namespace SsdLite.Platform.Engine;

/// <summary>
/// How a 4-D tensor's elements are ordered in memory: NCHW (PyTorch's default) or channels last (NHWC strides,
/// same logical shape). Channels last lets libtorch's CPU convolutions (oneDNN) skip layout conversions.
/// </summary>
public enum MemoryFormat
{
    /// <summary>NCHW strides, PyTorch's default.</summary>
    Contiguous = 0,
    /// <summary>NHWC strides under the NCHW shape.</summary>
    ChannelsLast = 1,
}

/// <summary>
/// TorchSharp has no memory-format argument (PyTorch's <c>x.contiguous(memory_format=torch.channels_last)</c>),
/// so these fill the gap: a channels-last tensor is an NHWC-contiguous buffer viewed back as NCHW. libtorch's
/// kernels read the strides, so convolutions keep the layout through the network.
/// </summary>
public static class MemoryFormats
{
    /// <summary>The same values laid out in <paramref name="format"/>; a new tensor (a copy only when needed).</summary>
    public static Tensor contiguous(this Tensor t, MemoryFormat format)
    {
        if (format == MemoryFormat.Contiguous) return t.contiguous();
        if (t.dim() != 4) throw new ArgumentException($"channels last needs a 4-D tensor, got {t.dim()}-D", nameof(t));
        using var nhwc = t.permute(0, 2, 3, 1);
        using var packed = nhwc.contiguous();
        return packed.permute(0, 3, 1, 2);
    }

    /// <summary>True when the strides are those of <paramref name="format"/>.</summary>
    public static bool is_contiguous(this Tensor t, MemoryFormat format)
    {
        if (format == MemoryFormat.Contiguous) return t.is_contiguous();
        if (t.dim() != 4) return false;
        using var nhwc = t.permute(0, 2, 3, 1);
        return nhwc.is_contiguous();
    }

    /// <summary>
    /// Lays out every 4-D parameter and buffer of <paramref name="module"/> (convolution weights) in
    /// <paramref name="format"/>, in place: the parameter objects stay the same, so call it before or after
    /// building an optimizer alike.
    /// </summary>
    public static T to<T>(this T module, MemoryFormat format) where T : torch.nn.Module
    {
        using var noGrad = torch.no_grad();
        foreach (var t in module.parameters().Cast<Tensor>().Concat(module.buffers()))
        {
            if (t.dim() != 4 || t.is_contiguous(format)) continue;
            using var laid = t.contiguous(format);
            t.set_(laid);
        }
        return module;
    }
}
