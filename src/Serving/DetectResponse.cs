using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// The JSON answer of <c>POST /v1/detect</c>: detect's entry shape (<c>image, width, height, detections</c> with
/// label, class_id, score and box in original pixels, written as <c>ssdlite detect --json</c> writes them) plus the
/// model's name, the batch the request ran in and where its time went.
/// </summary>
internal sealed record DetectResponse(string Model, string Image, int Width, int Height, IReadOnlyList<DetectedObject> Detections,
    int BatchSize, RequestTimings Timings)
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public byte[] ToUtf8()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("model", Model);
            w.WriteString("image", Image);
            w.WriteNumber("width", Width);
            w.WriteNumber("height", Height);
            w.WriteStartArray("detections");
            foreach (var d in Detections) DetectionJson.Write(w, d);
            w.WriteEndArray();
            w.WriteNumber("batch_size", BatchSize);
            w.WriteStartObject("timings_ms");
            w.WriteNumber("read", Math.Round(Timings.ReadMs, 3));
            w.WriteNumber("decode", Math.Round(Timings.DecodeMs, 3));
            w.WriteNumber("queue", Math.Round(Timings.QueueMs, 3));
            w.WriteNumber("inference", Math.Round(Timings.InferenceMs, 3));
            w.WriteNumber("postprocess", Math.Round(Timings.PostprocessMs, 3));
            w.WriteNumber("total", Math.Round(Timings.TotalMs, 3));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"error": message}</c>, the body of every refusal.</summary>
    public static byte[] Error(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("error", message);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Where one request's time went, in milliseconds.</summary>
internal sealed record RequestTimings(double ReadMs, double DecodeMs, double QueueMs, double InferenceMs, double PostprocessMs, double TotalMs);
