using System.Runtime.InteropServices;
using TorchSharp;

namespace SsdLite.Platform.Engine;

/// <summary>
/// PyTorch's <c>torch.backends.mkldnn.enabled</c>, which TorchSharp lacks: libtorch's
/// <c>at::globalContext().setUserEnabledMkldnn(bool)</c>, called through libtorch_cpu's exported symbols. With
/// oneDNN off, libtorch runs its own reference convolutions (slow, but independent of oneDNN's kernels).
/// </summary>
public static unsafe class OneDnnSwitch
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetEnabled = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string Enabled = "_ZNK2at7Context17userEnabledMkldnnEv";

    /// <summary>Whether libtorch may call oneDNN.</summary>
    public static bool IsEnabled
    {
        get => ((delegate* unmanaged<nint, byte>)Export(Enabled))(Context()) != 0;
        set => ((delegate* unmanaged<nint, byte, void>)Export(SetEnabled))(Context(), value ? (byte)1 : (byte)0);
    }

    private static nint Context() => ((delegate* unmanaged<nint>)Export(GlobalContext))();

    private static nint Export(string symbol)
    {
        TorchEngine.EnsureInitialized();
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var library)
            && !NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out library))
            throw new PlatformNotSupportedException("libtorch_cpu is not loadable, so oneDNN cannot be switched");
        return NativeLibrary.TryGetExport(library, symbol, out var address)
            ? address
            : throw new PlatformNotSupportedException($"libtorch_cpu exports no {symbol}");
    }
}
