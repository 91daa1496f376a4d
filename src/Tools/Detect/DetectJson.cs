using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Runtime;

namespace SsdLite.Tools.Detect;

/// <summary>
/// The detection JSON ARCHITECTURE.md documents: per image <c>image, width, height, detections</c> (label, class_id,
/// score, box), or <c>image, error</c> for an image that could not be read. <c>--json</c> writes a list of them,
/// <c>--jsonl</c> one per line.
/// </summary>
public static class DetectJson
{
    // Paths and messages as written (quotes and non-ASCII names unescaped): the files are data, not HTML.
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The indented list of all entries.</summary>
    public static string ToJson(IEnumerable<ImageDetections> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartArray();
            foreach (var r in results) WriteEntry(w, r);
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>One entry on one line, the newline included, as UTF-8: what <c>--jsonl</c> writes in a single write.</summary>
    public static byte[] ToLine(ImageDetections result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Compact)) WriteEntry(w, result);
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteEntry(Utf8JsonWriter w, ImageDetections r)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(r);
        w.WriteStartObject();
        w.WriteString("image", r.Image);
        if (r.Frame is { } frame)
        {
            // A video frame: its index and presentation time (ms precision) before the image fields.
            w.WriteNumber("frame", frame);
            if (r.Time is { } time) w.WriteNumber("time", Math.Round(time, 6));
        }
        if (r.Error is { } error)
        {
            w.WriteString("error", error);
        }
        else
        {
            w.WriteNumber("width", r.Width);
            w.WriteNumber("height", r.Height);
            w.WriteStartArray("detections");
            for (var i = 0; i < r.Detections.Count; i++)
            {
                if (r.TrackIds is null) DetectionJson.Write(w, r.Detections[i]);
                else WriteTracked(w, r.Detections[i], r.TrackIds[i]);
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>A detection as <see cref="DetectionJson"/> writes it, plus <c>track_id</c> (null where no confirmed track holds it).</summary>
    private static void WriteTracked(Utf8JsonWriter w, DetectedObject d, int? trackId)
    {
        w.WriteStartObject();
        DetectionJson.WriteFields(w, d);
        if (trackId is { } id) w.WriteNumber("track_id", id);
        else w.WriteNull("track_id");
        w.WriteEndObject();
    }
}
