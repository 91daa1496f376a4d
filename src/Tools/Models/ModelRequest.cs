namespace SsdLite.Tools.Models;

/// <summary>
/// What a caller asks <see cref="ModelFile.Load{T}"/> for; each request type says how every kind of file gives it:
/// <see cref="NetworkRequest"/> (the torch network, for export), <see cref="TorchDetectorRequest"/> (an inference
/// detector on a device), <see cref="OnnxDetectorRequest"/> (an ONNX Runtime detector) and <see cref="DetectorRequest"/>
/// (a detector on the runtime <c>--runtime</c> names, as the common base type).
/// </summary>
/// <remarks>
/// A request whose result is a torch type names it only in its own class, and the torch-free requests reach those
/// through non-inlined methods: the JIT runs a torch assembly's module initializer (which loads libtorch) before any
/// method that names one of its types, so an ONNX model must never pass through such a method.
/// </remarks>
internal abstract class ModelRequest<T>
    where T : IDisposable
{
    /// <summary>Opens <paramref name="file"/> as this request asks; the caller owns the result.</summary>
    internal abstract T Open(ModelFile file);
}
