using System.Runtime.Intrinsics.X86;

namespace SsdLite.Platform.Engine;

/// <summary>The four registers one CPUID query returns.</summary>
public readonly record struct CpuIdRegisters(uint Eax, uint Ebx, uint Ecx, uint Edx);

/// <summary>One cache as a deterministic cache-parameters leaf describes it (Intel leaf 4, AMD leaf 0x8000001D).</summary>
/// <param name="Level">1, 2, 3</param>
/// <param name="Type">data, instruction or unified</param>
/// <param name="SizeBytes">ways x partitions x line size x sets</param>
/// <param name="LogicalProcessorsSharing">logical processors that share it</param>
public readonly record struct CacheLevel(int Level, CacheType Type, long SizeBytes, int LogicalProcessorsSharing)
{
    /// <summary>Whether the cache holds data (a data or unified cache).</summary>
    public bool HoldsData => Type is CacheType.Data or CacheType.Unified;
}

/// <summary>The cache type field (EAX bits 4:0) of the cache-parameters leaves.</summary>
public enum CacheType
{
    /// <summary>0: no more caches.</summary>
    Null = 0,

    /// <summary>1: data cache.</summary>
    Data = 1,

    /// <summary>2: instruction cache.</summary>
    Instruction = 2,

    /// <summary>3: unified cache.</summary>
    Unified = 3,
}

/// <summary>
/// The cache topology the processor reports through CPUID, the values oneDNN's brgemm kernels size their blocking
/// from: leaf 4 on Intel (and other non-AMD vendors), leaf 0x8000001D on AMD and Hygon when CPUID 0x80000001 ECX
/// bit 22 (<c>topoext</c>) says that leaf exists. Some virtual machines advertise the leaf and return zeros in it,
/// hiding every data cache (see docs/platform-defects.md); <see cref="HidesDataCaches"/> says so.
/// </summary>
/// <param name="Vendor">CPUID leaf 0's vendor string</param>
/// <param name="Leaf">the leaf read (4 or 0x8000001D), or null where the processor has none to read</param>
/// <param name="Caches">the caches the leaf listed, in sub-leaf order</param>
/// <param name="LegacyL3Bytes">AMD's legacy leaf 0x80000006 L3 size (EDX 31:18 in 512 KiB units), for the report; 0 elsewhere</param>
public sealed record CpuCaches(string Vendor, uint? Leaf, IReadOnlyList<CacheLevel> Caches, long LegacyL3Bytes)
{
    /// <summary>Intel's deterministic cache parameters leaf.</summary>
    public const uint IntelLeaf = 4;

    /// <summary>AMD's cache topology leaf (needs topoext).</summary>
    public const uint AmdLeaf = 0x8000001D;

    private const int MaxSubLeaves = 16;

    /// <summary>True when the processor has a cache-parameters leaf and it lists no data or unified cache.</summary>
    public bool HidesDataCaches => Leaf is not null && !Caches.Any(c => c.HoldsData && c.SizeBytes > 0);

    /// <summary>Decodes one sub-leaf of leaf 4 or 0x8000001D (both share this layout); null for a null entry.</summary>
    public static CacheLevel? DecodeLeaf(CpuIdRegisters r)
    {
        var type = (CacheType)(r.Eax & 0x1F);
        if (type == CacheType.Null) return null;
        var level = (int)((r.Eax >> 5) & 0x7);
        var sharing = (int)((r.Eax >> 14) & 0xFFF) + 1;
        long lineSize = (r.Ebx & 0xFFF) + 1;
        long partitions = ((r.Ebx >> 12) & 0x3FF) + 1;
        long ways = ((r.Ebx >> 22) & 0x3FF) + 1;
        long sets = (long)r.Ecx + 1;
        return new CacheLevel(level, type > CacheType.Unified ? CacheType.Null : type, ways * partitions * lineSize * sets, sharing);
    }

    /// <summary>
    /// Reads the caches through <paramref name="cpuid"/> (leaf, sub-leaf) the way the manuals say: the leaf is used
    /// only when leaf 0 (or 0x80000000) says it exists, and on AMD only with topoext.
    /// </summary>
    public static CpuCaches Read(Func<uint, uint, CpuIdRegisters> cpuid)
    {
        var zero = cpuid(0, 0);
        var vendor = VendorString(zero);
        var maxExtended = cpuid(0x80000000, 0).Eax;
        var amd = vendor is "AuthenticAMD" or "HygonGenuine";
        long legacyL3 = amd && maxExtended >= 0x80000006 ? ((cpuid(0x80000006, 0).Edx >> 18) & 0x3FFF) * 512L * 1024 : 0;
        uint? leaf = null;
        if (amd)
        {
            var topoext = maxExtended >= 0x80000001 && (cpuid(0x80000001, 0).Ecx & (1u << 22)) != 0;
            if (topoext && maxExtended >= AmdLeaf) leaf = AmdLeaf;
        }
        else if (zero.Eax >= IntelLeaf)
        {
            leaf = IntelLeaf;
        }
        var caches = new List<CacheLevel>();
        if (leaf is { } l)
        {
            for (uint sub = 0; sub < MaxSubLeaves; sub++)
            {
                if (DecodeLeaf(cpuid(l, sub)) is not { } cache) break;
                caches.Add(cache);
            }
        }
        return new CpuCaches(vendor, leaf, caches, legacyL3);
    }

    /// <summary>This machine's caches, or null off x86.</summary>
    public static CpuCaches? Current()
    {
        if (!X86Base.IsSupported) return null;
        return Read((leaf, sub) =>
        {
            var (a, b, c, d) = X86Base.CpuId(unchecked((int)leaf), unchecked((int)sub));
            return new CpuIdRegisters(unchecked((uint)a), unchecked((uint)b), unchecked((uint)c), unchecked((uint)d));
        });
    }

    private static string VendorString(CpuIdRegisters zero)
    {
        var chars = new char[12];
        var i = 0;
        foreach (var register in new[] { zero.Ebx, zero.Edx, zero.Ecx })
        {
            for (var shift = 0; shift < 32; shift += 8) chars[i++] = (char)((register >> shift) & 0xFF);
        }
        return new string(chars);
    }
}
