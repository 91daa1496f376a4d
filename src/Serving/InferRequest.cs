using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>An output a request asks for, and whether it wants it as binary data (null: as the request's default).</summary>
internal readonly record struct RequestedOutput(string Name, bool? Binary);

/// <summary>
/// An Open Inference Protocol infer request (kserve/open-inference-protocol, HTTP/REST), read in one pass with
/// <see cref="Utf8JsonReader"/> over the body: <c>id</c>, the request's <c>parameters</c>, its one input and the
/// outputs asked for. The input's values go straight from the JSON <c>data</c> array (flat, or nested as the tensor's
/// dimensions) or from the binary part of Triton's binary tensor data extension into a float[] rented from the shared
/// pool, never through a list of boxed numbers. Every refusal is a 400 naming the field and what was expected.
/// </summary>
internal sealed class InferRequest
{
    private const int MaxRank = 8;
    private float[] input;

    private InferRequest(string? id, float[] input, int images, IReadOnlyList<RequestedOutput>? outputs, bool binaryOutputs)
    {
        Id = id;
        this.input = input;
        Images = images;
        Outputs = outputs;
        BinaryOutputs = binaryOutputs;
    }

    /// <summary>The request's <c>id</c>, echoed in the response.</summary>
    public string? Id { get; }

    /// <summary>N, the images of the input tensor.</summary>
    public int Images { get; }

    /// <summary>The outputs asked for, in the request's order; null when it names none (all are returned).</summary>
    public IReadOnlyList<RequestedOutput>? Outputs { get; }

    /// <summary>The request's <c>binary_data_output</c> parameter: outputs as binary unless one says otherwise.</summary>
    public bool BinaryOutputs { get; }

    /// <summary>Hands over the pooled input (N·3·S·S values at its start); the caller returns it to the pool.</summary>
    public float[] TakeInput()
    {
        var taken = input;
        input = [];
        return taken;
    }

    /// <summary>Returns the input to the pool when nobody took it.</summary>
    public void Release()
    {
        var left = TakeInput();
        if (left.Length > 0) ArrayPool<float>.Shared.Return(left);
    }

    /// <summary>
    /// Reads <paramref name="body"/>: the JSON header is its first <paramref name="headerLength"/> bytes (the
    /// Inference-Header-Content-Length), the binary tensor data the rest; without a header length the body is all JSON.
    /// </summary>
    /// <exception cref="ServeException">400, naming what is wrong</exception>
    public static InferRequest Parse(ReadOnlySpan<byte> body, int? headerLength, InferContract contract)
    {
        if (headerLength is { } h && (h < 0 || h > body.Length))
            throw Bad($"Inference-Header-Content-Length is {h}, but the body has {body.Length} bytes");
        var header = body[..(headerLength ?? body.Length)];
        var binary = body[header.Length..];
        if (header.IsEmpty) throw Bad("the request body is empty: send an inference request (JSON)");
        try
        {
            return Read(header, binary, contract);
        }
        catch (JsonException e)
        {
            throw Bad($"the inference request is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader checks a string's UTF-8 only when it is read (GetString): a bad byte there is the
            // client's fault, not the server's (found by fuzzing, tests/fuzz/findings/oip).
            throw Bad($"the inference request is not valid UTF-8 JSON: {e.Message}");
        }
    }

    private static InferRequest Read(ReadOnlySpan<byte> header, ReadOnlySpan<byte> binary, InferContract contract)
    {
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Bad("the inference request must be a JSON object");
        string? id = null;
        var binaryOutputs = false;
        List<RequestedOutput>? outputs = null;
        ParsedInput? parsed = null;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader.GetString();
                reader.Read();
                switch (property)
                {
                    case "id":
                        id = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad("id must be a string");
                        break;
                    case "parameters":
                        binaryOutputs = ReadRequestParameters(ref reader);
                        break;
                    case "inputs":
                        parsed = ReadInputs(ref reader, binary, contract);
                        break;
                    case "outputs":
                        outputs = ReadOutputs(ref reader, contract);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
            if (parsed is not { } p) throw Bad($"the request has no inputs: the model takes {contract.InputText}");
            return new InferRequest(id, p.Values, p.Images, outputs, binaryOutputs);
        }
        catch
        {
            if (parsed is { } p) ArrayPool<float>.Shared.Return(p.Values);
            throw;
        }
    }

    private readonly record struct ParsedInput(float[] Values, int Images);

    private static bool ReadRequestParameters(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("parameters must be an object");
        var binaryOutputs = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "binary_data_output") binaryOutputs = ReadBool(ref reader, "parameters.binary_data_output");
            else reader.Skip();
        }
        return binaryOutputs;
    }

    private static ParsedInput ReadInputs(ref Utf8JsonReader reader, ReadOnlySpan<byte> binary, InferContract contract)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("inputs must be a list of tensors");
        ParsedInput? parsed = null;
        try
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (parsed is not null) throw Bad($"the request has more than one input; the model takes one, {contract.InputText}");
                parsed = ReadInput(ref reader, binary, contract);
            }
        }
        catch
        {
            if (parsed is { } p) ArrayPool<float>.Shared.Return(p.Values);
            throw;
        }
        return parsed ?? throw Bad($"inputs is empty: the model takes {contract.InputText}");
    }

    private static ParsedInput ReadInput(ref Utf8JsonReader reader, ReadOnlySpan<byte> binary, InferContract contract)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("each input must be an object with name, shape, datatype and data");
        string? name = null, datatype = null;
        Span<long> shapeBuffer = stackalloc long[MaxRank];
        var rank = -1;
        long? binarySize = null;
        // Where `data` starts (a copy of the reader there): it may come before the shape that sizes it.
        var data = default(Utf8JsonReader);
        var hasData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "name":
                    name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad("an input's name must be a string");
                    break;
                case "datatype":
                    datatype = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad("an input's datatype must be a string");
                    break;
                case "shape":
                    rank = ReadShape(ref reader, shapeBuffer);
                    break;
                case "parameters":
                    binarySize = ReadBinaryDataSize(ref reader);
                    break;
                case "data":
                    data = reader;
                    hasData = true;
                    reader.Skip();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        var images = CheckInput(name, datatype, shapeBuffer[..Math.Max(rank, 0)], rank, contract);
        var count = images * contract.ImageLength;
        var values = ArrayPool<float>.Shared.Rent(count);
        try
        {
            if (binarySize is { } size) CopyBinary(binary, size, count, values);
            else if (hasData) ReadData(data, count, values);
            else throw Bad($"input {name} has neither data nor parameters.binary_data_size");
            if (binarySize is null && !binary.IsEmpty)
                throw Bad($"the body has {binary.Length} bytes of binary data after the header, but no input declares binary_data_size");
            CheckFinite(values.AsSpan(0, count));
            return new ParsedInput(values, images);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(values);
            throw;
        }
    }

    private static int CheckInput(string? name, string? datatype, ReadOnlySpan<long> shape, int rank, InferContract contract)
    {
        if (name is null) throw Bad($"an input has no name: the model takes {contract.InputText}");
        if (name != OnnxConventions.InputName)
            throw Bad($"input '{name}' is not an input of model {contract.ModelName}: it takes {contract.InputText}");
        if (datatype is null) throw Bad($"input {name} has no datatype: it is FP32");
        if (datatype != "FP32") throw Bad($"input {name} is of datatype {datatype}; model {contract.ModelName} takes FP32");
        if (rank < 0) throw Bad($"input {name} has no shape: the model takes {contract.InputText}");
        var s = contract.InputSize;
        if (shape is not [var n, 3, var h, var w] || h != s || w != s || n < 1)
            throw Bad($"input {name} has shape [{string.Join(", ", shape.ToArray())}]; the model takes {contract.InputText}");
        if (n > contract.MaxBatch)
            throw Bad($"input {name} holds a batch of {n}, over the server's limit of {contract.MaxBatch} (--max-batch)");
        return (int)n;
    }

    private static int ReadShape(ref Utf8JsonReader reader, scoped Span<long> shape)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("an input's shape must be a list of whole numbers");
        var rank = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (rank == shape.Length) throw Bad($"an input's shape has more than {shape.Length} dimensions");
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var d) || d < 0)
                throw Bad("an input's shape must be a list of whole numbers, 0 or more");
            shape[rank++] = d;
        }
        return rank;
    }

    private static long? ReadBinaryDataSize(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("an input's parameters must be an object");
        long? size = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name != "binary_data_size")
            {
                reader.Skip();
                continue;
            }
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                throw Bad("binary_data_size must be a whole number of bytes");
            size = value;
        }
        return size;
    }

    private static void CopyBinary(ReadOnlySpan<byte> binary, long size, int count, float[] values)
    {
        var expected = (long)count * sizeof(float);
        if (size != expected)
            throw Bad($"input {OnnxConventions.InputName} declares binary_data_size {size}; its shape needs {count} FP32 values, {expected} bytes");
        if (binary.Length != size)
            throw Bad($"the body has {binary.Length} bytes after the header (Inference-Header-Content-Length), the inputs declare {size}");
        // The extension's data is little-endian, as this machine's floats are.
        if (!BitConverter.IsLittleEndian) throw Bad("binary tensor data is little-endian; this server runs on a big-endian machine");
        MemoryMarshal.Cast<byte, float>(binary).CopyTo(values);
    }

    // The values of `data` in row-major order: a flat list, or lists nested as the dimensions (both are the protocol's).
    private static void ReadData(Utf8JsonReader reader, int count, float[] values)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad($"input {OnnxConventions.InputName}'s data must be a list of numbers");
        var depth = 0;
        var at = 0;
        do
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.Number:
                    if (at == count) throw Bad($"input {OnnxConventions.InputName} has more data values than its shape's {count}");
                    if (!reader.TryGetSingle(out values[at]))
                        throw Bad($"input {OnnxConventions.InputName}'s value {at} is not an FP32 number");
                    at++;
                    break;
                default:
                    throw Bad($"input {OnnxConventions.InputName}'s data holds a {reader.TokenType.ToString().ToLowerInvariant()} at value {at}; it takes numbers");
            }
        }
        while (depth > 0 && reader.Read());
        if (at != count) throw Bad($"input {OnnxConventions.InputName} has {at} data values; its shape needs {count}");
    }

    private static void CheckFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw Bad(string.Create(CultureInfo.InvariantCulture, $"input {OnnxConventions.InputName}'s value {i} is {values[i]}; the model takes finite values"));
        }
    }

    private static List<RequestedOutput> ReadOutputs(ref Utf8JsonReader reader, InferContract contract)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw Bad("outputs must be a list of {\"name\": ...} objects");
        var outputs = new List<RequestedOutput>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var output = ReadOutput(ref reader, contract);
            if (outputs.Any(o => o.Name == output.Name)) throw Bad($"output {output.Name} is asked for twice");
            outputs.Add(output);
        }
        return outputs;
    }

    private static RequestedOutput ReadOutput(ref Utf8JsonReader reader, InferContract contract)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("each requested output must be an object with a name");
        string? name = null;
        bool? binary = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.GetString();
            reader.Read();
            if (property == "name") name = reader.TokenType == JsonTokenType.String ? reader.GetString() : throw Bad("an output's name must be a string");
            else if (property == "parameters") binary = ReadOutputParameters(ref reader);
            else reader.Skip();
        }
        var names = string.Join(", ", contract.Outputs.Select(o => o.Name));
        if (name is null) throw Bad($"a requested output has no name (the model's outputs: {names})");
        if (contract.Outputs.All(o => o.Name != name)) throw Bad($"output '{name}' is not an output of model {contract.ModelName} (it has {names})");
        return new RequestedOutput(name, binary);
    }

    private static bool? ReadOutputParameters(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Bad("an output's parameters must be an object");
        bool? binary = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "binary_data") binary = ReadBool(ref reader, "binary_data");
            else if (name == "classification") throw Bad("the classification extension is not served: ask for the tensors");
            else reader.Skip();
        }
        return binary;
    }

    private static bool ReadBool(ref Utf8JsonReader reader, string what) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Bad($"{what} must be true or false"),
    };

    private static ServeException Bad(string message) => ServeException.BadInput(message);
}
