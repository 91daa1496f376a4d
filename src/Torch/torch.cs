using System.Runtime.InteropServices;
using static SsdLite.Torch.Interop.NativeMethods;

namespace SsdLite.Torch;

/// <summary>The PyTorch-shaped entry point: factories, global state, scopes (<c>torch.zeros</c>, <c>torch.no_grad()</c>).</summary>
public static partial class torch
{
    static torch() => ProcessSetup.EnsureConfigured();

    public static string version => Marshal.PtrToStringUTF8(ssd_version()) ?? "";

    // scopes
    /// <summary>Frees the tensors created on this thread until it is disposed (see <see cref="DisposeScope"/>).</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Disables gradient recording on this thread until disposed; restores the previous mode.</summary>
    public static IDisposable no_grad() => new GradModeGuard(false);

    public static IDisposable enable_grad() => new GradModeGuard(true);

    public static bool is_grad_enabled() => ssd_grad_enabled() != 0;

    // global state
    public static void manual_seed(ulong seed) => TorchException.Check(ssd_manual_seed(seed), "manual_seed");

    public static void set_num_threads(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        TorchException.Check(ssd_set_num_threads(n), "set_num_threads");
    }

    public static int get_num_threads() => ssd_get_num_threads();

    // factories
    private static unsafe Tensor Create(delegate*<long*, int, int, int, int, IntPtr> f, long[] shape, ScalarType dtype, Device? device, string name)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return new Tensor(f(p, shape.Length, (int)dtype, (int)d.Type, d.Index), name);
    }

    public static unsafe Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Create(&ssd_empty, shape, dtype, device, "empty");

    public static unsafe Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Create(&ssd_zeros, shape, dtype, device, "zeros");

    public static unsafe Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Create(&ssd_ones, shape, dtype, device, "ones");

    public static unsafe Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Create(&ssd_rand, shape, dtype, device, "rand");

    public static unsafe Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        Create(&ssd_randn, shape, dtype, device, "randn");

    public static unsafe Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.CPU;
        fixed (long* p = shape) return new Tensor(ssd_full(p, shape.Length, value, (int)dtype, (int)d.Type, d.Index), "full");
    }

    public static Tensor zeros_like(Tensor t) => zeros(t.shape, t.dtype, t.device);

    public static Tensor ones_like(Tensor t) => ones(t.shape, t.dtype, t.device);

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return new Tensor(ssd_arange(start, end, step, (int)dtype, (int)d.Type, d.Index), "arange");
    }

    public static Tensor arange(long end, ScalarType dtype = ScalarType.Int64, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor randperm(long n, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return new Tensor(ssd_randperm(n, (int)d.Type, d.Index), "randperm");
    }

    /// <summary>A new CPU tensor holding a copy of <paramref name="data"/>; shape defaults to 1-D.</summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        if (shape.Length == 0) shape = new long[] { data.Length };
        long count = 1;
        foreach (var s in shape) count *= s;
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements, data has {data.Length}", nameof(shape));
        fixed (T* d = data)
        fixed (long* s = shape)
        {
            return new Tensor(ssd_from_data(d, s, shape.Length, (int)ElementTypes.Of<T>()), "tensor");
        }
    }

    public static Tensor tensor<T>(T[] data, params long[] shape) where T : unmanaged => tensor((ReadOnlySpan<T>)data, shape);

    /// <summary>A 0-dimensional tensor.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) =>
        full(Array.Empty<long>(), value, dtype, device);

    // combinators
    private static unsafe Tensor Combine(delegate*<IntPtr*, int, long, IntPtr> f, IReadOnlyList<Tensor> tensors, long dim, string name)
    {
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = tensors[i].Handle;
        fixed (IntPtr* p = handles) return new Tensor(f(p, handles.Length, dim), name);
    }

    public static unsafe Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(&ssd_cat, tensors, dim, "cat");

    public static unsafe Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Combine(&ssd_stack, tensors, dim, "stack");

    public static Tensor where(Tensor condition, Tensor a, Tensor b) => new(ssd_where(condition.Handle, a.Handle, b.Handle), "where");

    public static Tensor maximum(Tensor a, Tensor b) => a.maximum(b);

    public static Tensor minimum(Tensor a, Tensor b) => a.minimum(b);

    public static Tensor exp(Tensor a) => a.exp();

    public static Tensor log(Tensor a) => a.log();

    public static Tensor sqrt(Tensor a) => a.sqrt();

    public static Tensor abs(Tensor a) => a.abs();

    /// <summary>CUDA availability as libtorch sees it.</summary>
    public static class cuda
    {
        public static bool is_available() => ssd_cuda_is_available() != 0;

        public static int device_count() => ssd_cuda_device_count();

        public static void synchronize(int index = 0) => TorchException.Check(ssd_cuda_synchronize(index), "cuda.synchronize");
    }

    /// <summary>Per-call overhead baseline: microseconds per <c>add</c> of two tensors in a native loop.</summary>
    public static double BenchNativeAdd(Tensor a, Tensor b, int iterations)
    {
        var us = ssd_bench_native_add(a.Handle, b.Handle, iterations);
        if (us < 0) throw TorchException.FromLastError("bench");
        return us;
    }

    private sealed class GradModeGuard : IDisposable
    {
        private readonly bool previous;
        private bool disposed;

        public GradModeGuard(bool enabled)
        {
            previous = ssd_grad_enabled() != 0;
            ssd_set_grad_enabled(enabled ? 1 : 0);
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            ssd_set_grad_enabled(previous ? 1 : 0);
        }
    }
}
