using System.Security.Cryptography;
using System.Text;
using SsdLite.Vision;

namespace SsdLite.Platform.Checkpoints;

/// <summary>
/// The project's checkpoint file: named tensors plus a string metadata map.
/// Layout: magic "SSDLCKPT", int32 version, int64 payload length, payload, SHA-256 of the payload, magic "SSDLEND!".
/// Payload: int32 metadata count, (key, value) UTF-8 strings; int32 tensor count, (name, int32 dtype, int32 rank,
/// int64 shape[rank], int64 byte count, little-endian bytes). Written to a temporary file in the same folder,
/// flushed to disk and renamed over the target, so a kill at any moment leaves the previous file intact.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = "SSDLCKPT"u8.ToArray();
    private static readonly byte[] EndMagic = "SSDLEND!"u8.ToArray();
    private const int Version = 1;
    private const int HeaderLength = 8 + 4 + 8;
    private const int TrailerLength = 32 + 8;

    /// <summary>
    /// Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/>, atomically.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var payload = BuildPayload(tensors, metadata ?? new Dictionary<string, string>());
        AtomicFile.Write(path, stream => WriteFile(stream, payload));
    }

    /// <summary>Reads a checkpoint; a truncated, corrupted or foreign file throws <see cref="InvalidDataException"/> naming it.</summary>
    public static CheckpointData Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        var payloadLength = Verify(bytes, path);
        return LoadPayload(bytes, HeaderLength, payloadLength, path);
    }

    /// <summary>
    /// Parses a payload whose framing (header, checksum, end marker) is taken as checked: what <see cref="Load"/>
    /// does after <c>Verify</c>. The fuzzer calls it directly, since a mutated payload would otherwise stop at the
    /// checksum and never reach the parser.
    /// </summary>
    internal static CheckpointData LoadPayload(byte[] bytes, int offset, int length, string path)
    {
        try
        {
            return ParsePayload(bytes, offset, length);
        }
        // IOException (EndOfStreamException's base) and FormatException are BinaryReader's word for a string length
        // that is negative or not a 7-bit encoded integer.
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new InvalidDataException($"{path}: corrupt checkpoint payload ({e.Message})", e);
        }
    }

    /// <summary>True when the file starts with this format's magic (formats are told apart by content).</summary>
    public static bool IsCheckpoint(string path)
    {
        using var fs = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return fs.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head.SequenceEqual(Magic);
    }

    private static byte[] BuildPayload(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(metadata.Count);
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.Write(k);
                w.Write(v);
            }
            var list = tensors.ToList();
            w.Write(list.Count);
            foreach (var (name, t) in list) WriteTensor(w, name, t);
        }
        return ms.ToArray();
    }

    private static void WriteTensor(BinaryWriter w, string name, Tensor t)
    {
        var shape = t.shape;
        w.Write(name);
        w.Write((int)t.dtype);
        w.Write(shape.Length);
        foreach (var s in shape) w.Write(s);
        var bytes = TensorBytes.Read(t);
        w.Write((long)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteFile(Stream s, byte[] payload)
    {
        s.Write(Magic);
        s.Write(BitConverter.GetBytes(Version));
        s.Write(BitConverter.GetBytes((long)payload.Length));
        s.Write(payload);
        s.Write(SHA256.HashData(payload));
        s.Write(EndMagic);
    }

    /// <summary>Checks header, length, checksum and end marker; returns the payload's length (it starts at HeaderLength).</summary>
    private static int Verify(byte[] bytes, string path)
    {
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an SsdLite checkpoint (bad magic)");
        if (bytes.Length < HeaderLength + TrailerLength)
            throw new InvalidDataException($"{path}: truncated checkpoint ({bytes.Length} bytes)");
        var version = BitConverter.ToInt32(bytes, 8);
        if (version != Version) throw new InvalidDataException($"{path}: unsupported checkpoint version {version}");
        var length = BitConverter.ToInt64(bytes, 12);
        if (length < 0 || HeaderLength + length + TrailerLength != bytes.Length)
            throw new InvalidDataException($"{path}: truncated checkpoint (header says {HeaderLength + length + TrailerLength} bytes, file has {bytes.Length})");
        var payload = bytes.AsMemory(HeaderLength, (int)length);
        var hash = bytes.AsSpan(HeaderLength + (int)length, 32);
        if (!SHA256.HashData(payload.Span).AsSpan().SequenceEqual(hash))
            throw new InvalidDataException($"{path}: checkpoint checksum mismatch (corrupted file)");
        if (!bytes.AsSpan(bytes.Length - 8).SequenceEqual(EndMagic))
            throw new InvalidDataException($"{path}: checkpoint end marker missing");
        return (int)length;
    }

    private static CheckpointData ParsePayload(byte[] bytes, int offset, int length)
    {
        using var ms = new MemoryStream(bytes, offset, length, writable: false);
        using var r = new BinaryReader(ms, Encoding.UTF8);
        var metadata = new Dictionary<string, string>();
        // Counts and sizes are the file's claims: each is checked against the bytes left before it sizes anything.
        var metaCount = Count(r, "metadata count", minimumRecordBytes: 2);
        for (var i = 0; i < metaCount; i++) metadata[r.ReadString()] = r.ReadString();
        var count = Count(r, "tensor count", minimumRecordBytes: 1 + 4 + 4 + 8);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            for (var i = 0; i < count; i++) tensors.Add(ReadTensor(r));
        }
        catch
        {
            foreach (var (_, t) in tensors) t.Dispose();
            throw;
        }
        return new CheckpointData(tensors, metadata);
    }

    private static int Count(BinaryReader r, string field, int minimumRecordBytes)
    {
        var count = r.ReadInt32();
        var left = r.BaseStream.Length - r.BaseStream.Position;
        if (count < 0 || (long)count * minimumRecordBytes > left)
            throw new ArgumentException($"{field} {count} does not fit the {left} bytes left");
        return count;
    }

    private static KeyValuePair<string, Tensor> ReadTensor(BinaryReader r)
    {
        var name = r.ReadString();
        var dtype = (ScalarType)r.ReadInt32();
        var rank = r.ReadInt32();
        if (rank < 0 || rank > 16) throw new ArgumentException($"tensor '{name}' has rank {rank}");
        var shape = new long[rank];
        for (var d = 0; d < rank; d++) shape[d] = r.ReadInt64();
        var byteCount = r.ReadInt64();
        var left = r.BaseStream.Length - r.BaseStream.Position;
        if (byteCount < 0 || byteCount > left)
            throw new ArgumentException($"tensor '{name}' byte count {byteCount} does not fit the {left} bytes left");
        var bytes = r.ReadBytes((int)byteCount);
        if (bytes.Length != byteCount) throw new EndOfStreamException($"tensor '{name}' is cut short");
        return new(name, TensorBytes.Create(bytes, shape, dtype).DetachFromDisposeScope());
    }
}

/// <summary>What a checkpoint holds. Owns its tensors: dispose it after copying them into a model.</summary>
public sealed class CheckpointData : IDisposable
{
    /// <summary>Tensors and metadata as read from a file.</summary>
    public CheckpointData(IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Tensors { get; }

    /// <summary>The metadata strings by key.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors whose names start with <paramref name="prefix"/>, with the prefix removed.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> WithPrefix(string prefix) =>
        Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
               .Select(kv => new KeyValuePair<string, Tensor>(kv.Key[prefix.Length..], kv.Value));

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        foreach (var (_, t) in Tensors) t.Dispose();
    }
}
