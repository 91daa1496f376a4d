using System.Buffers.Binary;
using System.Text;

namespace SsdLite.Platform.Engine;

/// <summary>
/// Reads and edits the symbol-version sections of a 64-bit little-endian ELF shared library: the versions it
/// needs from each dependency (<c>.gnu.version_r</c>) and the versions it defines (<c>.gnu.version_d</c>).
/// </summary>
public static class ElfVersions
{
    private const uint VersionNeedSection = 0x6ffffffe; // SHT_GNU_verneed
    private const uint VersionDefinitionSection = 0x6ffffffd; // SHT_GNU_verdef

    /// <summary>VER_FLG_WEAK: the dynamic loader accepts the library when the dependency lacks this version.</summary>
    public const ushort WeakFlag = 0x2;

    /// <summary>One version a library needs from a dependency, and where its flags live in the file.</summary>
    public readonly record struct Need(string File, string Version, ushort Flags, int FlagsOffset)
    {
        /// <summary>Whether the need is marked weak (VER_FLG_WEAK).</summary>
        public bool IsWeak => (Flags & WeakFlag) != 0;
    }

    /// <summary>The versions the library needs, per dependency file name (e.g. libstdc++.so.6).</summary>
    public static IReadOnlyList<Need> ReadNeeds(ReadOnlySpan<byte> elf)
    {
        var needs = new List<Need>();
        foreach (var (offset, strings) in Sections(elf, VersionNeedSection))
        {
            var entry = offset;
            while (true)
            {
                var count = U16(elf, entry + 2);
                var file = CString(elf, strings + U32(elf, entry + 4));
                var aux = entry + U32(elf, entry + 8);
                for (var i = 0; i < count; i++)
                {
                    needs.Add(new Need(file, CString(elf, strings + U32(elf, aux + 8)), U16(elf, aux + 4), checked((int)aux + 4)));
                    aux += U32(elf, aux + 12);
                }
                var next = U32(elf, entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return needs;
    }

    /// <summary>The version names a library defines (for libstdc++: GLIBCXX_3.4 … GLIBCXX_3.4.30 on Debian 12).</summary>
    public static IReadOnlySet<string> ReadDefinitions(ReadOnlySpan<byte> elf)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (offset, strings) in Sections(elf, VersionDefinitionSection))
        {
            var entry = offset;
            while (true)
            {
                var count = U16(elf, entry + 6);
                var aux = entry + U32(elf, entry + 12);
                for (var i = 0; i < count; i++)
                {
                    names.Add(CString(elf, strings + U32(elf, aux)));
                    aux += U32(elf, aux + 4);
                }
                var next = U32(elf, entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return names;
    }

    /// <summary>Sets the weak flag on the given needs, in place.</summary>
    public static void MarkWeak(Span<byte> elf, IEnumerable<Need> needs)
    {
        foreach (var need in needs)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(elf[need.FlagsOffset..], (ushort)(need.Flags | WeakFlag));
        }
    }

    // (section file offset, offset of its linked string table) for every section of the given type.
    private static List<(long Offset, long Strings)> Sections(ReadOnlySpan<byte> elf, uint type)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        var tableOffset = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]));
        var entrySize = U16(elf, 0x3A);
        var count = U16(elf, 0x3C);
        var found = new List<(long, long)>();
        for (var i = 0; i < count; i++)
        {
            var header = tableOffset + (long)i * entrySize;
            if (U32(elf, header + 4) != type) continue;
            var offset = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(elf[checked((int)header + 0x18)..]));
            var link = U32(elf, header + 0x28);
            var linkHeader = tableOffset + link * entrySize;
            var strings = checked((long)BinaryPrimitives.ReadUInt64LittleEndian(elf[checked((int)linkHeader + 0x18)..]));
            found.Add((offset, strings));
        }
        return found;
    }

    private static ushort U16(ReadOnlySpan<byte> b, long at) => BinaryPrimitives.ReadUInt16LittleEndian(b[checked((int)at)..]);

    private static uint U32(ReadOnlySpan<byte> b, long at) => BinaryPrimitives.ReadUInt32LittleEndian(b[checked((int)at)..]);

    private static string CString(ReadOnlySpan<byte> b, long at)
    {
        var s = b[checked((int)at)..];
        var end = s.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? s : s[..end]);
    }
}
