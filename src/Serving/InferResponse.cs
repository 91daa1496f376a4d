using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// Writes an infer response: <c>model_name</c>, <c>model_version</c>, the request's <c>id</c>, and the outputs asked
/// for (all, in the model's order, when none were named), each cut to the request's own images of the batch it ran
/// in. Outputs asked for as binary data go after the JSON header, whose length the Inference-Header-Content-Length
/// header gives (Triton's binary tensor data extension); the rest are JSON with a flat row-major <c>data</c> list.
/// </summary>
internal static class InferResponse
{
    /// <summary>The binary tensor data extension's header: the JSON header's length in bytes.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    private readonly record struct Output(NamedTensor Tensor, long[] Shape, int Start, int Length, bool Binary);

    public static async Task WriteAsync(HttpResponse response, string modelName, InferRequest request, BatchSlot slot, CancellationToken cancel)
    {
        var outputs = Select(request, slot);
        if (outputs.Any(o => o.Binary))
        {
            await WriteBinaryAsync(response, modelName, request, outputs, cancel).ConfigureAwait(false);
            return;
        }
        response.ContentType = "application/json; charset=utf-8";
        // Straight into the response's pipe, its pooled segments flushed after each tensor: no copy of the whole answer.
        var pipe = response.BodyWriter;
        await using var json = new Utf8JsonWriter((IBufferWriter<byte>)pipe);
        WriteHead(json, modelName, request);
        foreach (var output in outputs)
        {
            WriteOutput(json, output);
            await json.FlushAsync(cancel).ConfigureAwait(false);
            await pipe.FlushAsync(cancel).ConfigureAwait(false);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(cancel).ConfigureAwait(false);
        await pipe.FlushAsync(cancel).ConfigureAwait(false);
    }

    private static List<Output> Select(InferRequest request, BatchSlot slot)
    {
        var asked = request.Outputs ?? [.. slot.Tensors.Select(t => new RequestedOutput(t.Name, null))];
        var outputs = new List<Output>(asked.Count);
        foreach (var (name, binary) in asked)
        {
            var tensor = slot.Tensors.First(t => t.Name == name);
            var item = checked((int)tensor.ItemLength);
            long[] shape = [slot.Images, .. tensor.Shape.Skip(1)];
            outputs.Add(new Output(tensor, shape, slot.Index * item, slot.Images * item, binary ?? request.BinaryOutputs));
        }
        return outputs;
    }

    private static async Task WriteBinaryAsync(HttpResponse response, string modelName, InferRequest request, List<Output> outputs, CancellationToken cancel)
    {
        var header = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(header))
        {
            WriteHead(json, modelName, request);
            foreach (var output in outputs) WriteOutput(json, output);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        var binaryLength = outputs.Where(o => o.Binary).Sum(o => (long)BytesOf(o).Length);
        response.ContentType = "application/octet-stream";
        response.Headers[HeaderLengthHeader] = header.WrittenCount.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = header.WrittenCount + binaryLength;
        var pipe = response.BodyWriter;
        await pipe.WriteAsync(header.WrittenMemory, cancel).ConfigureAwait(false);
        foreach (var output in outputs.Where(o => o.Binary)) await WriteBytesAsync(pipe, output, cancel).ConfigureAwait(false);
        await pipe.FlushAsync(cancel).ConfigureAwait(false);
    }

    // The bytes of one output's slice, written without a copy into an array of their own.
    private static async Task WriteBytesAsync(PipeWriter pipe, Output output, CancellationToken cancel)
    {
        CopyInto(pipe, output);
        await pipe.FlushAsync(cancel).ConfigureAwait(false);
    }

    private static void CopyInto(PipeWriter pipe, Output output)
    {
        var bytes = BytesOf(output);
        bytes.CopyTo(pipe.GetSpan(bytes.Length));
        pipe.Advance(bytes.Length);
    }

    private static ReadOnlySpan<byte> BytesOf(Output output) => output.Tensor.Data switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan(output.Start, output.Length)),
        int[] i => MemoryMarshal.AsBytes(i.AsSpan(output.Start, output.Length)),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan(output.Start, output.Length)),
        _ => throw new InvalidOperationException($"output {output.Tensor.Name} holds {output.Tensor.Data.GetType().Name}"),
    };

    private static void WriteHead(Utf8JsonWriter json, string modelName, InferRequest request)
    {
        json.WriteStartObject();
        json.WriteString("model_name", modelName);
        json.WriteString("model_version", "1");
        if (request.Id is { } id) json.WriteString("id", id);
        json.WriteStartArray("outputs");
    }

    private static void WriteOutput(Utf8JsonWriter json, Output output)
    {
        json.WriteStartObject();
        json.WriteString("name", output.Tensor.Name);
        json.WriteString("datatype", output.Tensor.Datatype);
        json.WriteStartArray("shape");
        foreach (var d in output.Shape) json.WriteNumberValue(d);
        json.WriteEndArray();
        if (output.Binary)
        {
            json.WriteStartObject("parameters");
            json.WriteNumber("binary_data_size", BytesOf(output).Length);
            json.WriteEndObject();
        }
        else
        {
            json.WriteStartArray("data");
            WriteValues(json, output);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter json, Output output)
    {
        switch (output.Tensor.Data)
        {
            case float[] f:
                foreach (var v in f.AsSpan(output.Start, output.Length)) json.WriteNumberValue(v);
                break;
            case int[] i:
                foreach (var v in i.AsSpan(output.Start, output.Length)) json.WriteNumberValue(v);
                break;
            case long[] l:
                foreach (var v in l.AsSpan(output.Start, output.Length)) json.WriteNumberValue(v);
                break;
        }
    }
}
