using System.Runtime.InteropServices;
using SsdLite.Platform.Engine;

namespace SsdLite.Platform.Tests.Engine;

public partial class OneDnnIsaTests
{
    // CPUID leaf 1 EAX values decoded by hand from the manuals' layout (stepping 3:0, model 7:4, family 11:8,
    // extended model 19:16, extended family 27:20).
    [Theory]
    [InlineData("AuthenticAMD", 0x00B00F21, 0x1A, 0x02)] // family F + extended B = 0x1A (Zen 5), model 2
    [InlineData("AuthenticAMD", 0x00A10F11, 0x19, 0x11)] // family F + extended A = 0x19 (Zen 4), model 0x11
    [InlineData("GenuineIntel", 0x00050654, 0x06, 0x55)] // family 6, model 5:5 = 0x55 (Skylake-SP)
    [InlineData("GenuineIntel", 0x00000F29, 0x0F, 0x02)] // family F + extended 0, model 2 (a Pentium 4)
    public void SignatureDecodesToTheDisplayFamilyAndModel(string vendor, int signature, int family, int model)
    {
        var cpu = CpuIdentity.FromSignature(vendor, signature);
        Assert.Equal(family, cpu.Family);
        Assert.Equal(model, cpu.Model);
    }

    [Fact]
    public void CpuIdAgreesWithProcCpuinfo()
    {
        const string CpuInfo = "/proc/cpuinfo";
        var cpu = CpuIdentity.Current();
        if (cpu is null || !File.Exists(CpuInfo))
        {
            Assert.False(RuntimeInformation.ProcessArchitecture is Architecture.X64 && OperatingSystem.IsLinux());
            return;
        }
        string Field(string name) => File.ReadLines(CpuInfo).First(l => l.StartsWith(name, StringComparison.Ordinal)).Split(':')[1].Trim();
        Assert.Equal(Field("vendor_id"), cpu.Vendor);
        Assert.Equal(int.Parse(Field("cpu family")), cpu.Family);
        Assert.Equal(int.Parse(Field("model\t")), cpu.Model);
    }

    // A Zen 5 virtual machine as the issue found it (2026-12-07): topoext advertised (0x80000001 ECX bit 22), leaf
    // 0x8000001D all zeros, and the legacy leaf 0x80000006 claiming a 508 MiB L3 (EDX 31:18 = 1016 x 512 KiB).
    internal static CpuIdRegisters HidingZen5Vm(uint leaf, uint sub) => leaf switch
    {
        0 => new(0x10, 0x68747541, 0x444D4163, 0x69746E65), // "AuthenticAMD"
        1 => new(0x00B00F21, 0, 0, 0),
        0x80000000 => new(0x80000021, 0x68747541, 0x444D4163, 0x69746E65),
        0x80000001 => new(0x00B00F21, 0, 0x00400000, 0),
        0x80000006 => new(0, 0, 0x04006140, (1016u << 18) | 0x9140),
        _ => new(0, 0, 0, 0),
    };

    // A real dump: the AMD EPYC (family 0x19 model 0x11, Zen 4 "Genoa") virtual machine these tests ran on,
    // 2026-12-07, read with GCC's __cpuid_count. Hand-decoded below the table.
    internal static CpuIdRegisters ReportingZen4Vm(uint leaf, uint sub) => (leaf, sub) switch
    {
        (0, _) => new(0x1C, 0x68747541, 0x444D4163, 0x69746E65),
        (1, _) => new(0x00A10F11, 0x01020800, 0xFFFA3203, 0x178BFBFF),
        (4, _) => new(0, 0, 0, 0), // reserved on AMD
        (0x80000000, _) => new(0x80000021, 0x68747541, 0x444D4163, 0x69746E65),
        (0x80000001, _) => new(0x00A10F11, 0x40000000, 0x004003F3, 0x2FD3FBFF),
        (0x80000006, _) => new(0x5C002200, 0x6C004200, 0x04006140, 0x0A009140),
        (0x8000001D, 0) => new(0x00000121, 0x01C0003F, 0x0000003F, 0),
        (0x8000001D, 1) => new(0x00000122, 0x01C0003F, 0x0000003F, 0),
        (0x8000001D, 2) => new(0x00000143, 0x01C0003F, 0x000007FF, 2),
        (0x8000001D, 3) => new(0x00004163, 0x03C0003F, 0x00007FFF, 1),
        _ => new(0, 0, 0, 0),
    };

    // Intel leaf 4 as Skylake client parts (i7-6700K class) report it in published CPUID dumps.
    internal static CpuIdRegisters IntelSkylake(uint leaf, uint sub) => (leaf, sub) switch
    {
        (0, _) => new(0x16, 0x756E6547, 0x6C65746E, 0x49656E69), // "GenuineIntel"
        (4, 0) => new(0x1C004121, 0x01C0003F, 0x0000003F, 0),
        (4, 1) => new(0x1C004122, 0x01C0003F, 0x0000003F, 0),
        (4, 2) => new(0x1C004143, 0x00C0003F, 0x000003FF, 0),
        (4, 3) => new(0x1C03C163, 0x03C0003F, 0x00001FFF, 6),
        (0x80000000, _) => new(0x80000008, 0, 0, 0),
        _ => new(0, 0, 0, 0),
    };

    [Fact]
    public void TheHidingVmDecodesToNoDataCacheAndIsCapped()
    {
        var caches = CpuCaches.Read(HidingZen5Vm);
        Assert.Equal("AuthenticAMD", caches.Vendor);
        Assert.Equal(CpuCaches.AmdLeaf, caches.Leaf);
        Assert.Empty(caches.Caches);
        Assert.True(caches.HidesDataCaches);
        Assert.Equal(508L << 20, caches.LegacyL3Bytes);
        var decision = OneDnnIsa.Decide(_ => null, caches);
        Assert.Equal("AVX", decision.Cap);
        Assert.Contains("0x8000001D reports no data cache", decision.Reason);
    }

    [Fact]
    public void TheReportingVmDecodesToItsCachesAndRunsTheNativeIsa()
    {
        // Sub-leaf 0: EAX 0x121 = type 1 (data), level 1, 1 sharing; EBX 0x01C0003F = 8 ways, 1 partition, 64-byte
        // lines; ECX 0x3F = 64 sets: 8 x 64 x 64 = 32 KiB. Sub-leaf 2: type 3 (unified) level 2, 8 ways, 2048 sets:
        // 1 MiB. Sub-leaf 3: EAX 0x4163 = unified level 3 shared by 2; EBX 0x03C0003F = 16 ways; 32768 sets: 32 MiB.
        var caches = CpuCaches.Read(ReportingZen4Vm);
        Assert.Equal(CpuCaches.AmdLeaf, caches.Leaf);
        Assert.Equal(
            [new CacheLevel(1, CacheType.Data, 32 << 10, 1), new CacheLevel(1, CacheType.Instruction, 32 << 10, 1),
             new CacheLevel(2, CacheType.Unified, 1 << 20, 1), new CacheLevel(3, CacheType.Unified, 32 << 20, 2)],
            caches.Caches);
        Assert.False(caches.HidesDataCaches);
        Assert.Equal(320L << 20, caches.LegacyL3Bytes); // 0x0A009140 >> 18 = 640 units of 512 KiB: the host's, not this guest's
        var decision = OneDnnIsa.Decide(_ => null, caches);
        Assert.Null(decision.Cap);
        Assert.Contains("L1 32 KiB, L2 1 MiB, L3 32 MiB", decision.Reason);
    }

    [Fact]
    public void IntelLeaf4DecodesToItsCaches()
    {
        // Sub-leaf 2: EBX 0x00C0003F = 4 ways, ECX 0x3FF = 1024 sets: 256 KiB. Sub-leaf 3: EAX 0x1C03C163 = level 3
        // shared by 16; EBX 0x03C0003F = 16 ways, ECX 0x1FFF = 8192 sets: 8 MiB.
        var caches = CpuCaches.Read(IntelSkylake);
        Assert.Equal(CpuCaches.IntelLeaf, caches.Leaf);
        Assert.Equal([32L << 10, 32L << 10, 256L << 10, 8L << 20], caches.Caches.Select(c => c.SizeBytes));
        Assert.Equal([1, 1, 2, 3], caches.Caches.Select(c => c.Level));
        Assert.Equal(16, caches.Caches[3].LogicalProcessorsSharing);
        Assert.Null(OneDnnIsa.Planned(_ => null, caches));
    }

    [Fact]
    public void AnIntelVmWithAZeroLeaf4IsCappedWhateverItsFamily()
    {
        CpuIdRegisters Hiding(uint leaf, uint sub) => leaf == 4 ? new(0, 0, 0, 0) : IntelSkylake(leaf, sub);
        Assert.Equal("AVX", OneDnnIsa.Planned(_ => null, CpuCaches.Read(Hiding)));
        // An AMD part without topoext has no leaf to check, so nothing is hidden.
        CpuIdRegisters NoTopoext(uint leaf, uint sub) => leaf == 0x80000001 ? new(0, 0, 0, 0) : HidingZen5Vm(leaf, sub);
        Assert.Null(CpuCaches.Read(NoTopoext).Leaf);
        Assert.Null(OneDnnIsa.Planned(_ => null, CpuCaches.Read(NoTopoext)));
    }

    [Fact]
    public void AUsersOwnSettingIsKept()
    {
        var hiding = CpuCaches.Read(HidingZen5Vm);
        Assert.Null(OneDnnIsa.Planned(n => n == "ONEDNN_MAX_CPU_ISA" ? "ALL" : null, hiding));
        var kept = OneDnnIsa.Decide(n => n == "DNNL_MAX_CPU_ISA" ? "AVX2" : null, hiding);
        Assert.Null(kept.Cap);
        Assert.Contains("DNNL_MAX_CPU_ISA=AVX2", kept.Reason);
        Assert.Null(OneDnnIsa.Planned(_ => null, null));
    }

    [Fact]
    public void TheEngineSetsTheCapInTheNativeEnvironmentWhereThisCpuNeedsIt()
    {
        var report = TorchEngine.EnsureInitialized();
        var userChoice = Environment.GetEnvironmentVariable(OneDnnIsa.Variable) ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        var expected = userChoice is null ? OneDnnIsa.CapFor(CpuCaches.Current()) : null;
        Assert.Equal(expected, report.OneDnnIsaCap);
        Assert.NotEmpty(report.OneDnnIsaReason);
        if (expected is null || !OperatingSystem.IsLinux()) return;
        // oneDNN reads libc's environment, which .NET's Environment does not write on Unix.
        Assert.Equal(expected, Marshal.PtrToStringUTF8(getenv(OneDnnIsa.Variable)));
    }

    [Fact]
    public void OneDnnCanBeSwitchedOffAndOnAgain()
    {
        Assert.True(OneDnnSwitch.IsEnabled);
        OneDnnSwitch.IsEnabled = false;
        try
        {
            Assert.False(OneDnnSwitch.IsEnabled);
        }
        finally
        {
            OneDnnSwitch.IsEnabled = true;
        }
        Assert.True(OneDnnSwitch.IsEnabled);
    }

    [Fact]
    public void UnderTheEnginesChoiceTheKernelsAgreeWithOneDnnOff()
    {
        // Whatever the engine chose here (a cap where the caches are hidden, else the native ISA), the convolutions
        // it runs agree with libtorch's own; the native-ISA verdict is the Tools tests' `ssdlite checks` child.
        var result = KernelSelfTest.Run();
        Assert.Equal(3, result.Cases.Count);
        Assert.All(result.Cases, c => Assert.InRange(c.ForwardError, 0, KernelSelfTest.Tolerance));
        Assert.All(result.Cases, c => Assert.InRange(c.WeightGradError, 0, KernelSelfTest.Tolerance));
        Assert.True(result.Correct);
        Assert.True(OneDnnSwitch.IsEnabled);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getenv(string name);
}
