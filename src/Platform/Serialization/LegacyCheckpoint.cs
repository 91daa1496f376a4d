using System.Buffers.Binary;
using System.Numerics;

namespace SsdLite.Platform.Serialization;

/// <summary>
/// The single-stream checkpoint of PyTorch before 1.6: pickles of the magic number, the protocol version and the
/// system info, then the pickled object, then a pickled list of storage keys, then for each key an int64
/// element count followed by the storage's raw bytes.
/// </summary>
internal static class LegacyCheckpoint
{
    /// <summary>torch.serialization.MAGIC_NUMBER.</summary>
    public static readonly BigInteger MagicNumber = BigInteger.Parse("119547037146038801333356");

    private const long ProtocolVersion = 1001;

    public static IReadOnlyList<KeyValuePair<string, PthTensor>> Read(Stream file)
    {
        ReadHeader(file);
        var storageTypes = new Dictionary<string, StorageType>();
        object? root = Unpickler.Load(file, id => Remember(StateDict.ParseStorageId(id), storageTypes));
        IReadOnlyList<string> keys = ReadStorageKeys(file);
        var storages = new Dictionary<string, byte[]>();
        foreach (string key in keys)
            storages[key] = ReadStorage(file, key, storageTypes);
        return StateDict.Materialize(root, storage => storages.TryGetValue(storage.Key, out byte[]? bytes)
            ? bytes
            : throw new InvalidDataException($"missing storage entry '{storage.Key}': not in the file's storage list"));
    }

    /// <summary>Bytes <see cref="StartsWithMagic"/> needs: PROTO, an optional FRAME, LONG1 and the 10-byte number.</summary>
    public const int MagicPrefixLength = 2 + 9 + 2 + 10;

    /// <summary>True when the stream starts with the pickled magic number: PROTO n, FRAME (protocol 4+), LONG1 of 10 bytes.</summary>
    public static bool StartsWithMagic(ReadOnlySpan<byte> head)
    {
        if (head is not [(byte)PickleOpcode.Proto, _, ..])
            return false;
        head = head[2..];
        if (head is [(byte)PickleOpcode.Frame, ..])
            head = head[Math.Min(9, head.Length)..];
        Span<byte> magic = stackalloc byte[10];
        MagicNumber.TryWriteBytes(magic, out _, isUnsigned: false, isBigEndian: false);
        return head is [(byte)PickleOpcode.Long1, 10, ..] && head[2..].StartsWith(magic);
    }

    private static void ReadHeader(Stream file)
    {
        object? magic = Unpickler.Load(file, NoPersistentIds);
        if (magic is not BigInteger number || number != MagicNumber)
            throw new InvalidDataException($"bad magic number {magic}: not a PyTorch checkpoint");
        object? protocol = Unpickler.Load(file, NoPersistentIds);
        if (protocol is not ProtocolVersion)
            throw new InvalidDataException($"unsupported legacy protocol version {protocol}");
        object? sysInfo = Unpickler.Load(file, NoPersistentIds);
        // Storages are raw native-endian bytes; this reader only decodes ones written on little-endian machines.
        if (sysInfo is PickleDict info && info.TryGetValue("little_endian", out object? little) && little is false)
            throw new InvalidDataException("checkpoint was written on a big-endian machine; not supported");
    }

    private static object? NoPersistentIds(object? id) =>
        throw new InvalidDataException("unexpected persistent id in a checkpoint header");

    // Tensors of one storage repeat its id; all must agree on its element type, which sizes its raw bytes later.
    private static StorageRef Remember(StorageRef storage, Dictionary<string, StorageType> types)
    {
        if (types.TryGetValue(storage.Key, out StorageType? known) && known != storage.Type)
            throw new InvalidDataException($"storage '{storage.Key}' is named as {known.Name} and {storage.Type.Name}");
        types[storage.Key] = storage.Type;
        return storage;
    }

    private static IReadOnlyList<string> ReadStorageKeys(Stream file)
    {
        object? keys = Unpickler.Load(file, NoPersistentIds);
        if (keys is not List<object?> list || list.Any(k => k is not string))
            throw new InvalidDataException($"storage key list is {TorchGlobals.Describe(keys)}, not a list of strings");
        return [.. list.Cast<string>()];
    }

    private static byte[] ReadStorage(Stream file, string key, Dictionary<string, StorageType> types)
    {
        if (!types.TryGetValue(key, out StorageType? type))
            throw new InvalidDataException($"storage '{key}' is listed but no tensor refers to it, so its type is unknown");
        Span<byte> count = stackalloc byte[8];
        ReadExactly(file, count, key);
        long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
        if (numel < 0 || numel > (file.Length - file.Position) / type.ElementSize)
            throw new EndOfStreamException($"storage '{key}' announces {numel} elements but only {file.Length - file.Position} bytes are left");
        var bytes = new byte[numel * type.ElementSize];
        ReadExactly(file, bytes, key);
        return bytes;
    }

    private static void ReadExactly(Stream file, Span<byte> target, string key)
    {
        if (file.ReadAtLeast(target, target.Length, throwOnEndOfStream: false) < target.Length)
            throw new EndOfStreamException($"unexpected end of data in storage '{key}'");
    }
}
