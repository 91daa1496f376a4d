using System.Runtime.InteropServices;
using SsdLite.Torch.Interop;
using static SsdLite.Torch.Interop.NativeMethods;

namespace SsdLite.Torch;

/// <summary>
/// A libtorch tensor. Owns one native handle, freed by <see cref="Dispose"/> or by the
/// <see cref="DisposeScope"/> it was created in; the finalizer is only a safety net.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private IntPtr handle;

    internal Tensor(IntPtr handle, string operation)
    {
        if (handle == IntPtr.Zero) throw TorchException.FromLastError(operation);
        this.handle = handle;
        DisposeScope.Current?.Add(this);
    }

    ~Tensor()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) ssd_free(h);
    }

    internal DisposeScope? Scope { get; set; }

    /// <summary>The native handle; throws once the tensor has been disposed.</summary>
    internal IntPtr Handle =>
        handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(Tensor), "the tensor has been disposed");

    public bool IsInvalid => handle == IntPtr.Zero;

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) ssd_free(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Hands the tensor to the scope outside the current one (or to nobody at top level).</summary>
    public Tensor MoveToOuterScope()
    {
        var outer = Scope?.Outer;
        Scope = null;
        outer?.Add(this);
        return this;
    }

    /// <summary>Takes the tensor out of scope management: the caller disposes it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        Scope = null;
        return this;
    }

    // metadata
    public int dim() => ssd_dim(Handle);

    public long numel() => ssd_numel(Handle);

    public ScalarType dtype => (ScalarType)ssd_dtype(Handle);

    public Device device => new((DeviceType)ssd_device_type(Handle), ssd_device_index(Handle));

    public bool is_contiguous() => ssd_is_contiguous(Handle) != 0;

    public bool is_contiguous(MemoryFormat format) => ssd_is_contiguous_format(Handle, (int)format) != 0;

    public unsafe long[] shape
    {
        get
        {
            var s = new long[dim()];
            fixed (long* p = s) ssd_shape(Handle, p);
            return s;
        }
    }

    public long size(int d)
    {
        var s = shape;
        return s[d < 0 ? d + s.Length : d];
    }

    public override string ToString() =>
        IsInvalid ? "Tensor(disposed)" : Marshal.PtrToStringUTF8(ssd_to_string(Handle)) ?? "";

    // data
    public unsafe double item()
    {
        double v;
        TorchException.Check(ssd_item(Handle, &v), "item");
        return v;
    }

    public float ToSingle() => (float)item();

    public long ToInt64() => (long)item();

    /// <summary>Copies the elements (any device, any layout) into a new array of T, which must match dtype.</summary>
    public unsafe T[] data<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var result = new T[numel()];
        fixed (T* p = result)
        {
            TorchException.Check(ssd_copy_to_host(Handle, p, (long)result.Length * sizeof(T)), "data");
        }
        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, which must hold exactly numel() values.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = destination)
        {
            TorchException.Check(ssd_copy_to_host(Handle, p, (long)destination.Length * sizeof(T)), "CopyTo");
        }
    }

    /// <summary>Overwrites the elements from host memory, keeping device and dtype.</summary>
    public unsafe void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        CheckElementType<T>();
        fixed (T* p = source)
        {
            TorchException.Check(ssd_copy_from_host(Handle, p, (long)source.Length * sizeof(T)), "CopyFrom");
        }
    }

    /// <summary>A view of the elements of a contiguous CPU tensor, valid while the tensor lives.</summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        CheckElementType<T>();
        var p = ssd_data_ptr(Handle);
        if (p == IntPtr.Zero) throw new InvalidOperationException("AsSpan needs a contiguous CPU tensor");
        return new Span<T>((void*)p, checked((int)numel()));
    }

    private void CheckElementType<T>() where T : unmanaged
    {
        var expected = ElementTypes.Of<T>();
        if (expected != dtype)
            throw new ArgumentException($"element type {typeof(T).Name} does not match the tensor's dtype {dtype}");
    }

    // conversion
    public Tensor to(ScalarType type) => new(ssd_to(Handle, (int)type, (int)device.Type, device.Index, 0), "to");

    public Tensor to(Device target) => new(ssd_to(Handle, (int)dtype, (int)target.Type, target.Index, 0), "to");

    public Tensor to(Device target, ScalarType type) => new(ssd_to(Handle, (int)type, (int)target.Type, target.Index, 0), "to");

    public Tensor cpu() => to(Device.CPU);

    public Tensor clone() => new(ssd_clone(Handle), "clone");

    public Tensor contiguous() => new(ssd_contiguous(Handle), "contiguous");

    /// <summary>The same values laid out in <paramref name="format"/> (itself when already so); 4-D tensors only for channels last.</summary>
    public Tensor contiguous(MemoryFormat format) => new(ssd_contiguous_format(Handle, (int)format), "contiguous");

    /// <summary>A second handle to the same tensor (shares storage and autograd history).</summary>
    public Tensor alias() => new(ssd_alias(Handle), "alias");

    // autograd
    public bool requires_grad
    {
        get => ssd_requires_grad(Handle) != 0;
        set => TorchException.Check(ssd_set_requires_grad(Handle, value ? 1 : 0), "requires_grad");
    }

    public Tensor requires_grad_(bool value = true)
    {
        requires_grad = value;
        return this;
    }

    public Tensor detach() => new(ssd_detach(Handle), "detach");

    public void backward(Tensor? gradient = null, bool retainGraph = false) =>
        TorchException.Check(ssd_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retainGraph ? 1 : 0), "backward");

    /// <summary>The accumulated gradient, or null before the first backward.</summary>
    public Tensor? grad
    {
        get
        {
            var g = ssd_grad(Handle);
            if (g != IntPtr.Zero) return new Tensor(g, "grad");
            var error = LastError();
            if (error.Length > 0) throw TorchException.FromLastError("grad");
            return null;
        }
    }

    /// <summary>Drops the gradient (as PyTorch's set_to_none).</summary>
    public void zero_grad() => TorchException.Check(ssd_zero_grad(Handle), "zero_grad");
}
