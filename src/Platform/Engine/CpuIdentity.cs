using System.Runtime.Intrinsics.X86;
using System.Text;

namespace SsdLite.Platform.Engine;

/// <summary>
/// The x86 processor's vendor string and display family, read with the CPUID instruction (the same values
/// /proc/cpuinfo shows as <c>vendor_id</c> and <c>cpu family</c>), or null off x86.
/// </summary>
public sealed record CpuIdentity(string Vendor, int Family, int Model)
{
    /// <summary>This machine's identity, or null where CPUID is not available (Arm).</summary>
    public static CpuIdentity? Current()
    {
        if (!X86Base.IsSupported) return null;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var vendor = new StringBuilder(12);
        foreach (var register in new[] { ebx, edx, ecx })
        {
            for (var shift = 0; shift < 32; shift += 8) vendor.Append((char)((register >> shift) & 0xFF));
        }
        var (signature, _, _, _) = X86Base.CpuId(1, 0);
        return FromSignature(vendor.ToString(), signature);
    }

    /// <summary>
    /// Decodes CPUID leaf 1's EAX as Intel's and AMD's manuals define the display family and model: the extended
    /// family is added only when the base family is 0xF, and the extended model is prepended for families 0x6 and
    /// 0xF.
    /// </summary>
    public static CpuIdentity FromSignature(string vendor, int signature)
    {
        var baseFamily = (signature >> 8) & 0xF;
        var baseModel = (signature >> 4) & 0xF;
        var extendedModel = (signature >> 16) & 0xF;
        var extendedFamily = (signature >> 20) & 0xFF;
        var family = baseFamily == 0xF ? baseFamily + extendedFamily : baseFamily;
        var model = baseFamily is 0x6 or 0xF ? (extendedModel << 4) + baseModel : baseModel;
        return new CpuIdentity(vendor, family, model);
    }
}
