using System.Runtime.InteropServices;
using TorchSharp;

namespace SsdLite.Platform.Engine;

/// <summary>
/// The one place the engine is prepared, before the first tensor, by every entry point (the console, library use
/// and the tests reach it through a module initializer in each SsdLite assembly):
/// glibc's malloc thresholds, libtorch's log level, the libstdc++ fix for libLibTorchSharp, the thread count, and
/// oneDNN's instruction-set cap on processors that hide their cache topology.
/// </summary>
public static partial class TorchEngine
{
    private static readonly Lock Gate = new();
    private static EngineReport? report;

    /// <summary>What <see cref="EnsureInitialized"/> did; null before it ran.</summary>
    public static EngineReport? Report => report;

    /// <summary>Prepares the engine once per process; later calls return the first call's report.</summary>
    public static EngineReport EnsureInitialized()
    {
        if (report is { } done) return done;
        lock (Gate)
        {
            if (report is { } again) return again;
            var r = Initialize();
            report = r;
            return r;
        }
    }

    /// <summary>The thread count: SSDLITE_NUM_THREADS, else the cores this process may use.</summary>
    public static int DefaultThreadCount()
    {
        var fromEnv = Environment.GetEnvironmentVariable("SSDLITE_NUM_THREADS");
        if (int.TryParse(fromEnv, out var n) && n > 0) return n;
        return Math.Max(1, Environment.ProcessorCount);
    }

    private static EngineReport Initialize()
    {
        var weakened = (IReadOnlyList<string>)[];
        string? loadedFrom = null;
        var isa = OneDnnIsa.Decide(Environment.GetEnvironmentVariable, CpuCaches.Current());
        var isaCap = isa.Cap;
        if (isaCap is not null) SetNativeEnvironment(OneDnnIsa.Variable, isaCap);
        if (OperatingSystem.IsLinux())
        {
            GlibcMalloc.Tune();
            (loadedFrom, weakened) = LoadLinuxNatives();
            SilenceLibTorchWarnings();
        }
        var threads = DefaultThreadCount();
        torch.set_num_threads(threads);
        return new EngineReport(torch.__version__, threads, weakened, loadedFrom, isaCap, isa.Reason);
    }

    // .NET's Environment.SetEnvironmentVariable does not reach the native environment on Unix, where libtorch and
    // oneDNN read theirs with getenv, so libc's setenv is called there.
    private static void SetNativeEnvironment(string name, string value)
    {
        if (OperatingSystem.IsWindows()) Environment.SetEnvironmentVariable(name, value);
        else _ = setenv(name, value, 1);
    }

    // At WARNING (its default) libtorch prints "Could not initialize NNPACK! Reason: Unsupported hardware." on every
    // NCHW forward pass on CPUs NNPACK does not know. A user's own TORCH_CPP_LOG_LEVEL is kept. libtorch reads the
    // variable only in c10::initLogging(), which PyTorch's Python module calls on import and libtorch never calls by
    // itself, so it is called here once libc10 is loaded; without the call the variable has no effect.
    private static void SilenceLibTorchWarnings()
    {
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is null) SetNativeEnvironment("TORCH_CPP_LOG_LEVEL", "ERROR");
        if (!NativeLibrary.TryLoad("libc10.so", typeof(torch).Assembly, null, out var c10)) return;
        if (NativeLibrary.TryGetExport(c10, "_ZN3c1011initLoggingEv", out var init)) Marshal.GetDelegateForFunctionPointer<InitLogging>(init)();
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void InitLogging();

    // TorchSharp resolves its native library by name; once a library with the soname libLibTorchSharp.so is loaded,
    // the dynamic loader hands that one out. So libtorch is loaded from the package folder first, then the library
    // itself, patched where the system's libstdc++ is too old.
    private static (string? Path, IReadOnlyList<string> Weakened) LoadLinuxNatives()
    {
        var folder = NativeFolder();
        if (folder is null) return (null, []); // let TorchSharp search and report in its own words
        foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            var path = Path.Combine(folder, dependency);
            if (File.Exists(path)) NativeLibrary.Load(path);
        }
        var library = Path.Combine(folder, "libLibTorchSharp.so");
        var (load, weakened) = PrepareLibrary(library);
        NativeLibrary.Load(load);
        return (load, weakened);
    }

    // The patched copy is loaded from a sealed anonymous memory file, never from a folder: a cache under $HOME or
    // /tmp could be planted by another user (or swapped between a check and the load). Kept open for the process.
    private static SealedMemoryFile? patchedLibrary;

    private static (string, IReadOnlyList<string>) PrepareLibrary(string library)
    {
        var prepared = LibStdCxxFix.Prepare(library, LibStdCxxFix.SystemVersions());
        if (prepared.PatchedBytes is null) return (library, []);
        patchedLibrary = SealedMemoryFile.Create(Path.GetFileName(library), prepared.PatchedBytes);
        return (patchedLibrary.Path, prepared.Weakened);
    }

    // The build output holds the natives beside the assemblies; a NuGet-style layout has them under runtimes/.
    private static string? NativeFolder()
    {
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "" };
        var rid = RuntimeInformation.RuntimeIdentifier;
        foreach (var root in roots.Where(r => r.Length > 0))
        {
            foreach (var candidate in new[] { root, Path.Combine(root, "runtimes", rid, "native"), Path.Combine(root, "runtimes", "linux-x64", "native") })
            {
                if (File.Exists(Path.Combine(candidate, "libLibTorchSharp.so"))) return candidate;
            }
        }
        return null;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
