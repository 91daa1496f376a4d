using System.Runtime.InteropServices;
using TorchSharp;

namespace SsdLite.Platform.Engine;

/// <summary>
/// libtorch's automatic mixed precision on the CPU, PyTorch's <c>torch.autocast("cpu", dtype=torch.bfloat16)</c>,
/// which TorchSharp 0.107 does not expose. Inside a scope from <see cref="Enter"/>, the ops on autocast's
/// lower-precision list (convolutions, linear layers, matrix products) cast their inputs and float32 weights to
/// bfloat16 (the weight casts are cached until the outermost scope ends); every other op keeps its input's dtype, so
/// BatchNorm keeps float32 running statistics and affine parameters. Gradients reach the float32 parameters as
/// float32 through the casts' backward. The switches are libtorch's own exported C++ functions
/// (<c>at::autocast::set_autocast_enabled</c> and its neighbours), bound by their Itanium-mangled names as libtorch
/// 2.10 exports them; the state is per thread, as in PyTorch, so enter and leave a scope on the thread that runs the
/// forward pass.
/// </summary>
public static class CpuAutocast
{
    // c10::DeviceType::CPU and c10::ScalarType::BFloat16, both int8 enums in libtorch's ABI.
    private const sbyte CpuDevice = 0;
    private const sbyte BFloat16 = 15;

    private static readonly Lazy<Api?> Bound = new(Bind);

    /// <summary>
    /// Why bfloat16 training cannot run here, or null when it can: the CPU must have native bfloat16 arithmetic
    /// (AVX512-BF16 or AMX-BF16; without it oneDNN emulates bfloat16 more slowly than float32), oneDNN must not be
    /// held below it (<see cref="OneDnnIsa"/>), and the loaded libtorch must export the autocast functions.
    /// </summary>
    public static string? Unsupported()
    {
        if (!HasNativeBf16(out var cpu)) return $"this CPU has no native bfloat16 arithmetic (no avx512_bf16 or amx_bf16 in {cpu})";
        if (TorchEngine.EnsureInitialized().OneDnnIsaCap is { } cap)
            return $"oneDNN is held to {cap} on this CPU, where its newer kernels are wrong (docs/platform-defects.md), and {cap} has no bfloat16 kernels";
        if (Bound.Value is null) return "the loaded libtorch does not export at::autocast's functions (SsdLite binds libtorch 2.10's)";
        return null;
    }

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> saying why bfloat16 cannot run here.</summary>
    public static void EnsureSupported()
    {
        if (Unsupported() is { } reason) throw new PlatformNotSupportedException($"--precision bf16: {reason}; train with --precision fp32");
    }

    /// <summary>Enables bfloat16 autocast on this thread until the returned scope is disposed (scopes nest).</summary>
    public static IDisposable Enter()
    {
        EnsureSupported();
        return new Scope(Bound.Value!);
    }

    /// <summary>Whether autocast is on for the CPU on this thread.</summary>
    public static bool IsEnabled => Bound.Value is { } api && api.IsEnabled(CpuDevice) != 0;

    /// <summary>True when /proc/cpuinfo's flags name a bfloat16 arithmetic extension.</summary>
    public static bool HasNativeBf16(out string source)
    {
        source = "/proc/cpuinfo";
        if (!OperatingSystem.IsLinux() || !File.Exists(source))
        {
            source = "this platform (bfloat16 detection reads /proc/cpuinfo)";
            return false;
        }
        var flags = File.ReadLines(source).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        var names = flags[(flags.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return names.Contains("avx512_bf16") || names.Contains("amx_bf16");
    }

    private static Api? Bind()
    {
        TorchEngine.EnsureInitialized();
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library)) return null;
        var setEnabled = Export<SetEnabledFn>(library, "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
        var isEnabled = Export<IsEnabledFn>(library, "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
        var setDtype = Export<SetDtypeFn>(library, "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
        var getDtype = Export<GetDtypeFn>(library, "_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE");
        var increment = Export<NestingFn>(library, "_ZN2at8autocast17increment_nestingEv");
        var decrement = Export<NestingFn>(library, "_ZN2at8autocast17decrement_nestingEv");
        var clearCache = Export<ClearCacheFn>(library, "_ZN2at8autocast11clear_cacheEv");
        if (setEnabled is null || isEnabled is null || setDtype is null || getDtype is null || increment is null || decrement is null || clearCache is null)
            return null;
        return new Api(setEnabled, isEnabled, setDtype, getDtype, increment, decrement, clearCache);
    }

    private static T? Export<T>(IntPtr library, string name) where T : Delegate =>
        NativeLibrary.TryGetExport(library, name, out var address) ? Marshal.GetDelegateForFunctionPointer<T>(address) : null;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabledFn(sbyte device, byte enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate byte IsEnabledFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDtypeFn(sbyte device, sbyte dtype);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate sbyte GetDtypeFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int NestingFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ClearCacheFn();

    private sealed record Api(SetEnabledFn SetEnabled, IsEnabledFn IsEnabled, SetDtypeFn SetDtype, GetDtypeFn GetDtype,
        NestingFn Increment, NestingFn Decrement, ClearCacheFn ClearCache);

    /// <summary>PyTorch's autocast context manager: remembers the previous state, restores it on exit, and drops the
    /// cached bfloat16 weight copies when the outermost scope ends (the next step's weights differ).</summary>
    private sealed class Scope : IDisposable
    {
        private readonly Api api;
        private readonly byte wasEnabled;
        private readonly sbyte previousDtype;
        private bool disposed;

        public Scope(Api api)
        {
            this.api = api;
            wasEnabled = api.IsEnabled(CpuDevice);
            previousDtype = api.GetDtype(CpuDevice);
            api.SetEnabled(CpuDevice, 1);
            api.SetDtype(CpuDevice, BFloat16);
            api.Increment();
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            if (api.Decrement() == 0) api.ClearCache();
            api.SetEnabled(CpuDevice, wasEnabled);
            api.SetDtype(CpuDevice, previousDtype);
        }
    }
}
