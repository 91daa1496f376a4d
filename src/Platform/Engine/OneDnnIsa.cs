namespace SsdLite.Platform.Engine;

/// <summary>
/// Caps the instruction set oneDNN (libtorch's CPU convolution library) may use on processors where its faster
/// kernels are known to be wrong. libtorch 2.10's oneDNN, on AMD family 0x1A (Zen 5), picks AVX2/AVX-512 "brgemm"
/// convolutions that, with more than one thread, divide by zero while choosing their blocking (the process dies
/// with SIGFPE) or return wrong values (0.03 off in ONNX parity; channels-last weight gradients 37% off), and with
/// one thread still return wrong channels-last gradients. Capped at AVX, oneDNN uses its older JIT kernels, which
/// agree with ONNX Runtime and with the NCHW path on every test; see docs/platform-defects.md for the measurements.
/// oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c> once, at its first convolution, so the cap is set before libtorch loads.
/// A user's own <c>ONEDNN_MAX_CPU_ISA</c> (or the older <c>DNNL_MAX_CPU_ISA</c>) is kept: set it to <c>ALL</c> to
/// lift the cap.
/// </summary>
public static class OneDnnIsa
{
    /// <summary>The environment variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap for this processor (an <c>ONEDNN_MAX_CPU_ISA</c> value), or null where none is known to be needed.</summary>
    public static string? CapFor(CpuIdentity? cpu) =>
        cpu is { Vendor: "AuthenticAMD", Family: 0x1A } ? "AVX" : null;

    /// <summary>
    /// The cap to set in this process: <see cref="CapFor"/> of this processor, unless the user already chose an ISA.
    /// </summary>
    public static string? Planned(Func<string, string?> environment, CpuIdentity? cpu) =>
        environment(Variable) is not null || environment("DNNL_MAX_CPU_ISA") is not null ? null : CapFor(cpu);
}
