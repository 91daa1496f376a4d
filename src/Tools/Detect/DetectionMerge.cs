using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using SsdLite.Vision;

namespace SsdLite.Tools.Detect;

/// <summary>What <see cref="DetectionMerge.Merge"/> wrote: entries, of which failed (an <c>error</c> entry), from how many shards.</summary>
public sealed record MergeSummary(int Entries, int Failed, int Shards);

/// <summary>
/// <c>ssdlite merge-detections OUT SHARDS...</c>: the files of <c>detect --shard</c> (JSON lists or JSON lines, named
/// NAME-INDEX-of-COUNT) joined in shard order into the file the unsharded run writes, byte for byte: a JSON list
/// when OUT does not end in .jsonl, else one entry a line. Every shard of the count must be there once, and no image
/// may appear in two of them.
/// </summary>
public static class DetectionMerge
{
    // The writer settings DetectJson writes with: the entries' text comes back exactly as detect wrote it.
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static MergeSummary Merge(string outPath, IReadOnlyList<string> shardPaths)
    {
        ArgumentException.ThrowIfNullOrEmpty(outPath);
        ArgumentNullException.ThrowIfNull(shardPaths);
        var ordered = InShardOrder(shardPaths);
        var entries = new List<JsonElement>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in ordered)
        {
            foreach (var entry in Read(path))
            {
                var image = Image(entry, path);
                // A video's frames share their image; only an image entry (no frame) must be unique across shards.
                if (!entry.TryGetProperty("frame", out _) && !seen.TryAdd(image, path))
                    throw new InvalidDataException($"{path}: {image} is also in {seen[image]}: the shards overlap (were they written with the same inputs?)");
                entries.Add(entry);
            }
        }
        var bytes = IsJsonLines(outPath) ? Lines(entries) : List(entries);
        AtomicFile.Write(outPath, stream => stream.Write(bytes));
        return new MergeSummary(entries.Count, entries.Count(e => e.TryGetProperty("error", out _)), ordered.Count);
    }

    private static bool IsJsonLines(string path) => Path.GetExtension(path).Equals(".jsonl", StringComparison.OrdinalIgnoreCase);

    /// <summary>The shard files by index, after checking that they are one complete set.</summary>
    private static List<string> InShardOrder(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new ArgumentException("merge-detections: name the shard files (NAME-INDEX-of-COUNT.json, as detect --shard writes them)");
        var byIndex = new SortedDictionary<int, string>();
        var count = -1;
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"merge-detections: no such shard file: {path}", path);
            if (!DetectShard.TryParseFileName(path, out var shard, out _))
                throw new ArgumentException($"merge-detections: {path} is not named as a shard (NAME-INDEX-of-COUNT.json, as detect --shard writes it)");
            if (count >= 0 && shard.Count != count)
                throw new ArgumentException($"merge-detections: {path} is a shard of {shard.Count}, {byIndex.Values.First()} one of {count}");
            count = shard.Count;
            if (!byIndex.TryAdd(shard.Index, path)) throw new ArgumentException($"merge-detections: shard {shard.Index} given twice ({byIndex[shard.Index]}, {path})");
        }
        var missing = Enumerable.Range(0, count).Where(i => !byIndex.ContainsKey(i)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"merge-detections: {missing.Count} of {count} shards missing (indexes {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")})");
        return [.. byIndex.Values];
    }

    private static List<JsonElement> Read(string path)
    {
        try
        {
            if (IsJsonLines(path))
            {
                return File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: not a JSON list of detections (detect --json writes one)");
            return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
    }

    private static string Image(JsonElement entry, string path) =>
        entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("image", out var image) && image.ValueKind == JsonValueKind.String
            ? image.GetString()!
            : throw new InvalidDataException($"{path}: an entry without an image path: {entry.GetRawText()}");

    private static byte[] List(List<JsonElement> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartArray();
            foreach (var e in entries) e.WriteTo(w);
            w.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Lines(List<JsonElement> entries)
    {
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var e in entries)
        {
            using (var w = new Utf8JsonWriter(buffer, Compact)) e.WriteTo(w);
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }
}
