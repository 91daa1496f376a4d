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
        long expected = storage.NumElements * storage.Type.ElementSize;
        if (entry.Length < expected)
            throw new InvalidDataException($"storage entry '{name}' has {entry.Length} bytes, the pickle announces {expected}");
        return cache[storage.Key] = ReadEntry(entry);
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength)
            throw new InvalidDataException($"zip entry '{entry.FullName}' is larger than one .NET array can hold");
        var bytes = new byte[entry.Length];
        using Stream source = entry.Open();
        source.ReadExactly(bytes);
        return bytes;
    }
}
