using SsdLite.Torch.Interop;

namespace SsdLite.Torch;

/// <summary>An error reported by libtorch through the bridge; the message is libtorch's own.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    public TorchException(string message, Exception inner) : base(message, inner) { }

    internal static TorchException FromLastError(string operation)
    {
        var message = NativeMethods.LastError();
        NativeMethods.ssd_clear_error();
        return new TorchException(string.IsNullOrEmpty(message) ? $"{operation} failed" : $"{operation}: {message}");
    }

    internal static void Check(int status, string operation)
    {
        if (status != 0) throw FromLastError(operation);
    }
}
