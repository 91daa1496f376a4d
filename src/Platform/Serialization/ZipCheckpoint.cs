using System.IO.Compression;

namespace SsdLite.Platform.Serialization;

/// <summary>
/// The zip checkpoint of PyTorch 1.6 and later: <c>ARCHIVE/data.pkl</c> holds the pickle and each storage's raw
/// little-endian bytes lie in <c>ARCHIVE/data/KEY</c>.
/// </summary>
internal static class ZipCheckpoint
{
    private const string PickleName = "data.pkl";

    public static IReadOnlyList<KeyValuePair<string, PthTensor>> Read(Stream file)
    {
        using ZipArchive zip = Open(file);
        ZipArchiveEntry pickle = FindPickle(zip)
            ?? throw new InvalidDataException($"zip archive has no {PickleName}: not a PyTorch checkpoint");
        string prefix = pickle.FullName[..^PickleName.Length];
        CheckByteOrder(zip, prefix);

        object? root;
        using (var pickleBytes = new MemoryStream(ReadEntry(pickle)))
            root = Unpickler.Load(pickleBytes, StateDict.ParseStorageId);

        var cache = new Dictionary<string, byte[]>();
        return StateDict.Materialize(root, storage => ReadStorage(zip, prefix, storage, cache));
    }

    /// <summary>True when the archive holds a PyTorch pickle (at its root or, as torch.save writes, one folder down).</summary>
    public static bool HasPickle(Stream file)
    {
        using ZipArchive zip = Open(file);
        return FindPickle(zip) is not null;
    }

    // A cut-off zip loses its central directory, which sits at the end: say so rather than only quoting .NET.
    private static ZipArchive Open(Stream file)
    {
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"truncated or damaged zip archive: {e.Message}", e);
        }
    }

    // PyTorch 2.x records the writer's byte order; storages are raw native bytes, and this reader decodes little-endian.
    private static void CheckByteOrder(ZipArchive zip, string prefix)
    {
        ZipArchiveEntry? entry = zip.GetEntry(prefix + "byteorder");
        if (entry is null)
            return;
        string order = System.Text.Encoding.ASCII.GetString(ReadEntry(entry)).Trim();
        if (order != "little")
            throw new InvalidDataException($"checkpoint was written with byte order '{order}'; only little-endian is supported");
    }

    private static ZipArchiveEntry? FindPickle(ZipArchive zip) =>
        zip.Entries.FirstOrDefault(e => e.FullName == PickleName || (e.FullName.EndsWith("/" + PickleName, StringComparison.Ordinal)
            && e.FullName.IndexOf('/') == e.FullName.Length - PickleName.Length - 1));

    private static byte[] ReadStorage(ZipArchive zip, string prefix, StorageRef storage, Dictionary<string, byte[]> cache)
    {
        if (cache.TryGetValue(storage.Key, out byte[]? cached))
            return cached;
        string name = $"{prefix}data/{storage.Key}";
        ZipArchiveEntry entry = zip.GetEntry(name)
            ?? throw new InvalidDataException($"missing storage entry '{name}' in the zip archive");
        long expected = checked(storage.NumElements * storage.Type.ElementSize);
        if (entry.Length < expected)
            throw new InvalidDataException($"storage entry '{name}' has {entry.Length} bytes, the pickle announces {expected}");
        return cache[storage.Key] = ReadEntry(entry);
    }

    /// <summary>Deflate's largest expansion (RFC 1951: 258 bytes from a 2-bit code, about 1032:1), plus slack.</summary>
    public const long MaxDeflateRatio = 1032;

    // The sizes in a zip's directory are the file's claims: compare them with what the compressed bytes can hold
    // before any allocation, and grow the buffer only with bytes actually decompressed.
    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        long declared = entry.Length;
        long compressed = entry.CompressedLength;
        if (declared < 0 || declared > Array.MaxLength)
            throw new InvalidDataException($"zip entry '{entry.FullName}': size {declared} is larger than one .NET array can hold");
        if (declared > compressed * MaxDeflateRatio + 1024)
            throw new InvalidDataException(
                $"zip entry '{entry.FullName}': size {declared} declared from {compressed} compressed bytes, more than deflate can expand ({MaxDeflateRatio}:1)");
        using Stream source = entry.Open();
        var bytes = new byte[Math.Min(declared, 1 << 20)];
        int filled = 0;
        while (true)
        {
            if (filled == bytes.Length)
            {
                if (filled == declared)
                {
                    if (source.ReadByte() >= 0)
                        throw new InvalidDataException($"zip entry '{entry.FullName}': holds more than its declared size {declared}");
                    return bytes;
                }
                Array.Resize(ref bytes, (int)Math.Min(declared, (long)bytes.Length * 2));
            }
            int read = source.Read(bytes, filled, bytes.Length - filled);
            if (read == 0)
                throw new InvalidDataException($"zip entry '{entry.FullName}': size {declared} declared, {filled} bytes present");
            filled += read;
        }
    }
}
