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

    [Fact]
    public void OnlyZen5IsCappedAndAUsersOwnSettingIsKept()
    {
        var zen5 = CpuIdentity.FromSignature("AuthenticAMD", 0x00B00F21);
        var zen4 = CpuIdentity.FromSignature("AuthenticAMD", 0x00A10F11);
        var intel = CpuIdentity.FromSignature("GenuineIntel", 0x00050654);
        string? None(string _) => null;
        Assert.Equal("AVX", OneDnnIsa.Planned(None, zen5));
        Assert.Null(OneDnnIsa.Planned(None, zen4));
        Assert.Null(OneDnnIsa.Planned(None, intel));
        Assert.Null(OneDnnIsa.Planned(None, null));
        Assert.Null(OneDnnIsa.Planned(n => n == "ONEDNN_MAX_CPU_ISA" ? "ALL" : null, zen5));
        Assert.Null(OneDnnIsa.Planned(n => n == "DNNL_MAX_CPU_ISA" ? "AVX2" : null, zen5));
    }

    [Fact]
    public void TheEngineSetsTheCapInTheNativeEnvironmentWhereThisCpuNeedsIt()
    {
        var report = TorchEngine.EnsureInitialized();
        var userChoice = Environment.GetEnvironmentVariable(OneDnnIsa.Variable) ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        var expected = userChoice is null ? OneDnnIsa.CapFor(CpuIdentity.Current()) : null;
        Assert.Equal(expected, report.OneDnnIsaCap);
        if (expected is null || !OperatingSystem.IsLinux()) return;
        // oneDNN reads libc's environment, which .NET's Environment does not write on Unix.
        Assert.Equal(expected, Marshal.PtrToStringUTF8(getenv(OneDnnIsa.Variable)));
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getenv(string name);
}
