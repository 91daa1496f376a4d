using TorchSharp;

namespace SsdLite.Platform.Engine;

/// <summary>
/// Native Scalars kept alive until this is disposed. TorchSharp 0.107 converts every .NET number passed to a tensor
/// op (and the implicit alpha of <c>add</c>) into a temporary Scalar whose handle it reads before the native call;
/// nothing references the Scalar during the call, so a garbage collection in that window lets the finalizer thread
/// free it while libtorch reads it ("Expected false to be true ... toLong", seen mid-training). Hot loops pass
/// Scalars from here instead; <see cref="One"/> serves the <c>alpha = 1</c> of tensor additions.
/// </summary>
public sealed class HeldScalars : IDisposable
{
    private readonly List<Scalar> held = [];
    private bool disposed;

    /// <summary>The integer 1 (an int64 Scalar, as TorchSharp's own default alpha); never collected.</summary>
    public static Scalar One { get; } = 1;

    /// <summary>A double Scalar that lives until <see cref="Dispose"/>.</summary>
    public Scalar Of(double value) => Hold(value.ToScalar());

    /// <summary>An int64 Scalar that lives until <see cref="Dispose"/>.</summary>
    public Scalar Of(long value) => Hold(value.ToScalar());

    private Scalar Hold(Scalar scalar)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        held.Add(scalar);
        return scalar;
    }

    /// <summary>Frees every held Scalar.</summary>
    public void Dispose()
    {
        foreach (var scalar in held) scalar.Dispose();
        held.Clear();
        disposed = true;
    }
}
