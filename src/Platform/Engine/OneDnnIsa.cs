namespace SsdLite.Platform.Engine;

/// <summary>
/// Caps the instruction set oneDNN (libtorch's CPU convolution library) may use where the processor hides its cache
/// topology. oneDNN 3.x (libtorch 2.10) sizes the blocking of its AVX2/AVX-512 "brgemm" convolutions from the data
/// cache sizes CPUID reports. On a virtual machine whose cache-parameters leaf (Intel leaf 4, or AMD leaf 0x8000001D
/// with topoext) lists no data cache, those kernels divide by zero while choosing their blocking (SIGFPE) or return
/// wrong values (0.03 off in ONNX parity; channels-last weight gradients 37% off, even on one thread). Capped at
/// AVX, oneDNN uses its older JIT kernels, which agree with ONNX Runtime and with the NCHW path. The decision is by
/// that evidence, whatever the vendor or family: a processor that reports its caches runs the native ISA. See
/// docs/platform-defects.md. oneDNN reads <c>ONEDNN_MAX_CPU_ISA</c> once, at its first convolution, so the cap is
/// set before libtorch loads. A user's own <c>ONEDNN_MAX_CPU_ISA</c> (or the older <c>DNNL_MAX_CPU_ISA</c>) is
/// kept: set it to <c>ALL</c> to lift the cap.
/// </summary>
public static class OneDnnIsa
{
    /// <summary>The environment variable oneDNN reads.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap set where the caches are hidden.</summary>
    public const string Cap = "AVX";

    /// <summary>The cap for this processor (an <c>ONEDNN_MAX_CPU_ISA</c> value), or null where it reports its caches.</summary>
    public static string? CapFor(CpuCaches? caches) => caches is { HidesDataCaches: true } ? Cap : null;

    /// <summary>
    /// The cap to set in this process and why: <see cref="CapFor"/> of this processor, unless the user already chose
    /// an ISA.
    /// </summary>
    public static OneDnnDecision Decide(Func<string, string?> environment, CpuCaches? caches)
    {
        foreach (var name in new[] { Variable, "DNNL_MAX_CPU_ISA" })
        {
            if (environment(name) is { } chosen) return new OneDnnDecision(null, $"{name}={chosen} set by the user is kept");
        }
        if (caches is null) return new OneDnnDecision(null, "no CPUID (not x86): oneDNN's own choice");
        if (caches.Leaf is null) return new OneDnnDecision(null, $"{caches.Vendor} has no cache-parameters leaf to check: native ISA");
        var leaf = $"CPUID 0x{caches.Leaf:X}";
        if (caches.HidesDataCaches)
            return new OneDnnDecision(Cap, $"{leaf} reports no data cache (a virtual machine hiding its cache topology); oneDNN's brgemm kernels size their blocking from it: capped at {Cap}");
        var sizes = string.Join(", ", caches.Caches.Where(c => c.HoldsData).Select(c => $"L{c.Level} {Describe(c.SizeBytes)}"));
        return new OneDnnDecision(null, $"{leaf} reports its data caches ({sizes}): native ISA");
    }

    /// <summary>The cap to set in this process (<see cref="Decide"/>'s cap).</summary>
    public static string? Planned(Func<string, string?> environment, CpuCaches? caches) => Decide(environment, caches).Cap;

    private static string Describe(long bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}

/// <summary>oneDNN's instruction-set cap (null: none) and the evidence it was decided on.</summary>
public sealed record OneDnnDecision(string? Cap, string Reason);
