using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SsdLite.Serving.Tests;

/// <summary>
/// An Open Inference Protocol client written from the published texts, not from the server: the KServe v2 REST infer
/// request and response (kserve/open-inference-protocol, "Inference Request JSON Object", "Inference Response JSON
/// Object") and Triton's binary tensor data extension (docs/protocol/extension_binary_data.md): a JSON header of
/// Inference-Header-Content-Length bytes, then each binary tensor's little-endian bytes in the order of the JSON.
/// </summary>
internal static class OipClient
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>An output to ask for; <paramref name="Binary"/> sets its binary_data parameter.</summary>
    public sealed record Ask(string Name, bool Binary = false);

    /// <summary>A returned tensor: its datatype, shape and values (read as doubles, whatever the datatype).</summary>
    public sealed record Tensor(string Datatype, long[] Shape, double[] Data);

    /// <summary>The request as JSON, the input's values in <c>data</c> as a flat row-major list.</summary>
    public static HttpContent Json(string input, long[] shape, float[] values, string? id = null, IReadOnlyList<Ask>? outputs = null)
    {
        var request = Header(input, shape, id, outputs, binarySize: null);
        var tensor = request["inputs"]![0]!.AsObject();
        // Numbers written as "R" would write them, so the server reads back the same floats.
        var data = new StringBuilder(values.Length * 12);
        data.Append('[');
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) data.Append(',');
            data.Append(values[i].ToString("R", CultureInfo.InvariantCulture));
        }
        data.Append(']');
        tensor["data"] = JsonNode.Parse(data.ToString());
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.ToJsonString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>The request with the input as binary data after a JSON header (the binary tensor data extension).</summary>
    public static HttpContent Binary(string input, long[] shape, float[] values, string? id = null, IReadOnlyList<Ask>? outputs = null,
        long? declaredSize = null)
    {
        var header = Encoding.UTF8.GetBytes(Header(input, shape, id, outputs, declaredSize ?? values.Length * 4L).ToJsonString());
        var body = new byte[header.Length + values.Length * 4];
        header.CopyTo(body, 0);
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body.AsSpan(header.Length + i * 4), values[i]);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add(HeaderLength, header.Length.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    private static JsonObject Header(string input, long[] shape, string? id, IReadOnlyList<Ask>? outputs, long? binarySize)
    {
        var tensor = new JsonObject
        {
            ["name"] = input,
            ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
            ["datatype"] = "FP32",
        };
        if (binarySize is { } size) tensor["parameters"] = new JsonObject { ["binary_data_size"] = size };
        var request = new JsonObject { ["inputs"] = new JsonArray(tensor) };
        if (id is not null) request["id"] = id;
        if (outputs is not null)
        {
            request["outputs"] = new JsonArray([.. outputs.Select(o => (JsonNode?)(o.Binary
                ? new JsonObject { ["name"] = o.Name, ["parameters"] = new JsonObject { ["binary_data"] = true } }
                : new JsonObject { ["name"] = o.Name }))]);
        }
        return request;
    }

    /// <summary>The response's JSON object and its tensors by name, binary ones read from after the header.</summary>
    public static async Task<(JsonObject Response, Dictionary<string, Tensor> Tensors)> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var headerLength = response.Headers.TryGetValues(HeaderLength, out var h) || response.Content.Headers.TryGetValues(HeaderLength, out h)
            ? int.Parse(h.Single(), CultureInfo.InvariantCulture) : body.Length;
        var json = JsonNode.Parse(body.AsSpan(0, headerLength))!.AsObject();
        var tensors = new Dictionary<string, Tensor>();
        var at = headerLength;
        foreach (var output in json["outputs"]!.AsArray())
        {
            var datatype = output!["datatype"]!.GetValue<string>();
            var shape = output["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            double[] data;
            if (output["parameters"]?["binary_data_size"] is { } size)
            {
                var bytes = body.AsSpan(at, (int)size.GetValue<long>());
                at += bytes.Length;
                data = Decode(datatype, bytes);
            }
            else
            {
                data = [.. output["data"]!.AsArray().Select(v => v!.GetValue<double>())];
            }
            tensors[output["name"]!.GetValue<string>()] = new Tensor(datatype, shape, data);
        }
        Assert.Equal(body.Length, at); // nothing left over, nothing missing
        return (json, tensors);
    }

    private static double[] Decode(string datatype, ReadOnlySpan<byte> bytes)
    {
        var size = datatype is "INT64" ? 8 : 4;
        var values = new double[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var item = bytes.Slice(i * size, size);
            values[i] = datatype switch
            {
                "FP32" => BinaryPrimitives.ReadSingleLittleEndian(item),
                "INT32" => BinaryPrimitives.ReadInt32LittleEndian(item),
                "INT64" => BinaryPrimitives.ReadInt64LittleEndian(item),
                _ => throw new NotSupportedException(datatype),
            };
        }
        return values;
    }

    /// <summary>The error text of a refused request, which the protocol gives as <c>{"error": "..."}</c>.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").GetString()!;
    }
}
