using System.Buffers.Binary;
using System.Text.Json;

namespace SsdLite.Platform.Serialization;

/// <summary>
/// Reads Hugging Face safetensors files in managed code: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the tensors' raw little-endian bytes. Every size the header
/// declares is checked against the file before anything is allocated, as the format's own reader checks it: the
/// header at most 100,000,000 bytes, the byte ranges contiguous from 0 to the end of the file, and each range exactly
/// its shape's bytes.
/// </summary>
/// <remarks>Thread-safe: every call opens its own stream and keeps no shared state.</remarks>
public static class SafetensorsReader
{
    /// <summary>The largest header read, the limit of the format's reference implementation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    // Root object, tensor object, shape or offsets list: nothing deeper is valid.
    private const int MaxJsonDepth = 3;

    /// <summary>Reads every tensor, in the order of their bytes in the file.</summary>
    /// <exception cref="InvalidDataException">the file is not a readable safetensors file; the message names the file and the field</exception>
    public static IReadOnlyList<KeyValuePair<string, PthTensor>> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        try
        {
            var entries = ReadHeader(file, out long dataStart);
            CheckRanges(entries, file.Length - dataStart);
            var tensors = new List<KeyValuePair<string, PthTensor>>(entries.Count);
            foreach (var entry in entries)
            {
                var bytes = new byte[entry.End - entry.Begin];
                file.Position = dataStart + entry.Begin;
                file.ReadExactly(bytes);
                tensors.Add(new(entry.Name, new PthTensor(entry.DType, entry.Shape, bytes)));
            }
            return tensors;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: truncated file: {e.Message}", e);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>True when the file starts as a safetensors file does: a header length that fits the file, then '{'.</summary>
    public static bool IsSafetensors(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) return false;
        using FileStream file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        if (file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < head.Length) return false;
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && length >= 2 && length <= MaxHeaderBytes && (long)length <= file.Length - 8;
    }

    private sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    private static List<Entry> ReadHeader(FileStream file, out long dataStart)
    {
        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(prefix);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > MaxHeaderBytes)
            throw new InvalidDataException($"header length {declared} is more than the limit of {MaxHeaderBytes} bytes");
        if ((long)declared > file.Length - 8)
            throw new InvalidDataException($"header length {declared} is more than the {file.Length - 8} bytes after it");
        var header = new byte[declared];
        file.ReadExactly(header);
        dataStart = 8 + (long)declared;
        if (header.Length == 0 || header[0] != (byte)'{')
            throw new InvalidDataException("header does not start with '{'");
        CheckUtf8(header);
        return ParseHeader(header);
    }

    // JsonDocument parses invalid UTF-8 inside strings and fails only when a name or value is read, with an
    // InvalidOperationException (fuzzing, tests/fuzz/findings/safetensors): refuse it by its offset first.
    private static void CheckUtf8(byte[] header)
    {
        for (int offset = 0; offset < header.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(header.AsSpan(offset), out _, out int consumed) != System.Buffers.OperationStatus.Done)
                throw new InvalidDataException($"header is not UTF-8 text: invalid byte 0x{header[offset]:X2} at offset {8 + offset}");
            offset += consumed;
        }
    }

    private static List<Entry> ParseHeader(byte[] header)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException("header is not a JSON object");
            var entries = new List<Entry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new InvalidDataException($"header names tensor '{property.Name}' twice");
                if (property.Name == MetadataKey) CheckMetadata(property.Value);
                else entries.Add(ParseEntry(property.Name, property.Value));
            }
            return entries;
        }
    }

    private static void CheckMetadata(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"header's {MetadataKey} is not an object of strings");
        foreach (var item in metadata.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"header's {MetadataKey}.{item.Name} is not a string");
        }
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"tensor '{name}': not an object of dtype, shape and data_offsets");
        var dtype = DTypeOf(name, Field(name, value, "dtype", JsonValueKind.String).GetString()!);
        var shape = Integers(name, "shape", Field(name, value, "shape", JsonValueKind.Array));
        var offsets = Integers(name, "data_offsets", Field(name, value, "data_offsets", JsonValueKind.Array));
        if (offsets.Length != 2 || offsets[1] < offsets[0])
            throw new InvalidDataException($"tensor '{name}': data_offsets must be [begin, end] with begin <= end");
        long expected = ByteCount(name, dtype, shape);
        if (offsets[1] - offsets[0] != expected)
            throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes, data_offsets span {offsets[1] - offsets[0]}");
        if (expected > Array.MaxLength)
            throw new InvalidDataException($"tensor '{name}': {expected} bytes is more than one .NET array can hold");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static JsonElement Field(string name, JsonElement entry, string field, JsonValueKind kind)
    {
        if (!entry.TryGetProperty(field, out var value) || value.ValueKind != kind)
            throw new InvalidDataException($"tensor '{name}': {field} missing or not {(kind == JsonValueKind.String ? "a string" : "a list")}");
        return value;
    }

    private static long[] Integers(string name, string field, JsonElement list)
    {
        var values = new long[list.GetArrayLength()];
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw new InvalidDataException($"tensor '{name}': {field}[{i}] is not a whole number from 0 to 2^63-1");
            values[i++] = v;
        }
        return values;
    }

    // In 128 bits, so no shape overflows before it is compared with its byte range.
    private static long ByteCount(string name, ScalarType dtype, long[] shape)
    {
        Int128 bytes = Checkpoints.TensorBytes.SizeOf(dtype);
        foreach (long d in shape)
        {
            bytes *= d;
            if (bytes > long.MaxValue)
                throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] holds more than 2^63 bytes");
        }
        return (long)bytes;
    }

    private static ScalarType DTypeOf(string name, string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F64" => ScalarType.Float64,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"tensor '{name}': dtype '{dtype}' is not one SsdLite reads (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)"),
    };

    // The format's rule: the byte ranges, in file order, tile the data section from 0 to its end with no gap.
    private static void CheckRanges(List<Entry> entries, long dataLength)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long next = 0;
        foreach (var entry in entries)
        {
            if (entry.Begin != next)
                throw new InvalidDataException($"tensor '{entry.Name}': data_offsets begin at {entry.Begin}, the previous tensor ends at {next}");
            next = entry.End;
        }
        if (next != dataLength)
            throw new InvalidDataException($"the tensors span {next} bytes of data, the file holds {dataLength} after the header");
    }
}
