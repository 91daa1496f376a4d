using System.Text.Json;

namespace SsdLite.Runtime;

/// <summary>
/// One detection in SsdLite's JSON shape: <c>{"label", "class_id", "score", "box": [xmin, ymin, xmax, ymax]}</c>. The
/// console's <c>detect --json</c> and the HTTP service write it through this one method, so the same detection reads
/// back as the same numbers from either.
/// </summary>
public static class DetectionJson
{
    /// <summary>Writes <paramref name="detection"/> as a JSON object at the writer's position.</summary>
    public static void Write(Utf8JsonWriter writer, DetectedObject detection)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        WriteFields(writer, detection);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The members of <see cref="Write"/>'s object (label, class_id, score, box) inside an object the caller opened, so
    /// that a caller can add its own members (detect's <c>track_id</c>).
    /// </summary>
    public static void WriteFields(Utf8JsonWriter writer, DetectedObject detection)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("label", detection.Label);
        writer.WriteNumber("class_id", detection.ClassId);
        writer.WriteNumber("score", detection.Score);
        writer.WriteStartArray("box");
        writer.WriteNumberValue(detection.Box.XMin);
        writer.WriteNumberValue(detection.Box.YMin);
        writer.WriteNumberValue(detection.Box.XMax);
        writer.WriteNumberValue(detection.Box.YMax);
        writer.WriteEndArray();
    }
}
