using System.Runtime.InteropServices;

namespace SsdLite.Platform.Engine;

/// <summary>
/// An anonymous in-memory file (Linux <c>memfd_create</c>) holding bytes this process checked, sealed against any
/// further write, shrink or growth, and reachable only as <c>/proc/self/fd/N</c>: the dynamic loader can map it,
/// and no other user can create, replace or modify it, because it has no name in any folder. The descriptor stays
/// open for the life of the process (it is closed on exec, so children do not inherit it).
/// </summary>
public sealed partial class SealedMemoryFile
{
    private const uint MfdCloexec = 0x1;
    private const uint MfdAllowSealing = 0x2;
    private const int FAddSeals = 1033;
    private const int FGetSeals = 1034;

    /// <summary>F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE.</summary>
    public const int AllSeals = 0x1 | 0x2 | 0x4 | 0x8;

    private SealedMemoryFile(int descriptor, string name)
    {
        Descriptor = descriptor;
        Name = name;
    }

    /// <summary>The open file descriptor.</summary>
    public int Descriptor { get; }

    /// <summary>The name the kernel shows for it (<c>/memfd:NAME (deleted)</c> in /proc/self/maps).</summary>
    public string Name { get; }

    /// <summary>The path through which this process (and only it) opens the file.</summary>
    public string Path => $"/proc/self/fd/{Descriptor}";

    /// <summary>The seals the kernel holds on the file (<see cref="AllSeals"/> once created).</summary>
    public int Seals => fcntl(Descriptor, FGetSeals, 0);

    /// <summary>Creates the file, writes <paramref name="bytes"/> and seals it.</summary>
    /// <exception cref="IOException">memfd_create, write or sealing failed (the message says which, with errno)</exception>
    public static SealedMemoryFile Create(string name, ReadOnlySpan<byte> bytes)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("memfd_create is Linux-only");
        var fd = memfd_create(name, MfdCloexec | MfdAllowSealing);
        if (fd < 0) throw new IOException($"memfd_create(\"{name}\") failed (errno {Marshal.GetLastPInvokeError()}); the patched library is not loaded from any folder instead");
        var written = 0;
        while (written < bytes.Length)
        {
            var n = WriteSome(fd, bytes[written..]);
            if (n <= 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                _ = close(fd);
                throw new IOException($"writing {bytes.Length} bytes to memfd \"{name}\" failed at {written} (errno {errno})");
            }
            written += (int)n;
        }
        if (fcntl(fd, FAddSeals, AllSeals) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            _ = close(fd);
            throw new IOException($"sealing memfd \"{name}\" failed (errno {errno})");
        }
        return new SealedMemoryFile(fd, name);
    }

    private static unsafe nint WriteSome(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) return write(fd, p, (nuint)bytes.Length);
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int close(int fd);
}
