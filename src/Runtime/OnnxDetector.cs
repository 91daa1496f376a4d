using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SsdLite.Vision;

namespace SsdLite.Runtime;

/// <summary>
/// A detector that runs an exported model (<see cref="OnnxConventions"/>) in ONNX Runtime on the CPU, with the same
/// test transform and post-processing as the TorchSharp detector and without libtorch. Class names come from the
/// model's metadata or the caller. <see cref="ObjectDetector.Detect(Image)"/> and <see cref="Predict"/> may be called from several
/// threads at once (an ONNX Runtime session runs concurrent calls; every buffer here is per call).
/// </summary>
public sealed class OnnxDetector : ObjectDetector
{
    private readonly InferenceSession session;
    private readonly string[] outputNames = [OnnxConventions.ScoresName, OnnxConventions.BoxesName];
    private readonly string[] allOutputNames;
    private readonly string[] nmsOutputNames = [OnnxConventions.NumDetectionsName, OnnxConventions.DetectionBoxesName,
        OnnxConventions.DetectionScoresName, OnnxConventions.DetectionClassesName];

    private OnnxDetector(InferenceSession session, OnnxModelContract contract, IReadOnlyList<string> classNames, string path)
        : base(contract.InputSize, new PostProcessor(labels: ClassLabels.WithBackground(classNames)))
    {
        this.session = session;
        Path = path;
        FixedBatchSize = contract.FixedBatchSize;
        ClassCountWithBackground = contract.ClassCountWithBackground;
        MaxDetections = contract.MaxDetections;
        ClassNames = classNames;
        Metadata = session.ModelMetadata.CustomMetadataMap.ToDictionary(kv => kv.Key, kv => kv.Value);
        Outputs = [.. session.OutputMetadata.Select(kv => TensorSpec.From(kv.Key, kv.Value))];
        allOutputNames = [.. Outputs.Select(o => o.Name)];
    }

    /// <summary>The model's outputs in the order of the file, as <see cref="RunAll"/> returns them.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>The model file.</summary>
    public string Path { get; }

    /// <summary>The batch size the model was exported with; null when it takes any (a dynamic batch).</summary>
    public int? FixedBatchSize { get; }

    /// <summary>
    /// K of a model that ends in NMS (<see cref="OnnxConventions.NumDetectionsName"/> and the other EfficientNMS
    /// outputs), whose detections <see cref="Detect(ReadOnlySpan{float}, IReadOnlyList{ValueTuple{int, int}})"/> reads
    /// as they are; null for a model with raw scores and boxes only.
    /// </summary>
    public int? MaxDetections { get; }

    /// <summary>Whether the model ends in NMS (<see cref="MaxDetections"/> is set).</summary>
    public bool HasNms => MaxDetections is not null;

    /// <summary>Classes the network scores, the background included.</summary>
    public int ClassCountWithBackground { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> ClassNames { get; }

    /// <summary>The model's metadata_props (class names, input size, architecture for an SsdLite export).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="path"/> in ONNX Runtime and checks that it has the exported detector's input and outputs.
    /// <paramref name="classNames"/> (object classes, no background) override the model's own; without them the
    /// model's metadata must name its classes.
    /// </summary>
    /// <exception cref="FileNotFoundException">no such file</exception>
    /// <exception cref="InvalidDataException">not an ONNX model, or one with other inputs or outputs</exception>
    /// <exception cref="ArgumentException">class names that disagree with the model's class count, or none at all</exception>
    public static OnnxDetector Load(string path, IReadOnlyList<string>? classNames = null, OnnxDetectorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        options ??= new OnnxDetectorOptions();
        CheckSize(path, new FileInfo(path).Length, options);
        return Open(o => new InferenceSession(path, o), path, classNames, options);
    }

    /// <summary>
    /// Opens a model held in memory (an export made at start-up, never written to disk); <paramref name="name"/> stands
    /// for its path in messages and in <see cref="Path"/>. Otherwise as <see cref="Load(string, IReadOnlyList{string}?, OnnxDetectorOptions?)"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">not an ONNX model, or one with other inputs or outputs</exception>
    /// <exception cref="ArgumentException">class names that disagree with the model's class count, or none at all</exception>
    public static OnnxDetector Load(byte[] model, string name, IReadOnlyList<string>? classNames = null, OnnxDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new OnnxDetectorOptions();
        CheckSize(name, model.Length, options);
        return Open(o => new InferenceSession(model, o), name, classNames, options);
    }

    private static void CheckSize(string path, long length, OnnxDetectorOptions options)
    {
        if (length > options.MaxModelBytes)
            throw new InvalidDataException($"{path}: the model is {length} bytes, more than the limit of {options.MaxModelBytes} ({options.MaxModelBytes >> 20} MiB; {OnnxDetectorOptions.MaxModelBytesVariable} raises it)");
    }

    private static OnnxDetector Open(Func<SessionOptions, InferenceSession> create, string path, IReadOnlyList<string>? classNames, OnnxDetectorOptions? options)
    {
        var session = OpenSession(create, path, options ?? new OnnxDetectorOptions());
        try
        {
            var contract = OnnxModelContract.Check(session, path);
            var names = ResolveClassNames(session, contract, classNames, path);
            return new OnnxDetector(session, contract, names, path);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static InferenceSession OpenSession(Func<SessionOptions, InferenceSession> create, string path, OnnxDetectorOptions options)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.OptimizeGraph ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = options.ResolvedThreads(),
            // One graph without parallel branches worth a second pool: every thread goes to the operators.
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        try
        {
            return create(sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path} is not a model ONNX Runtime can load: {e.Message}", e);
        }
    }

    private static IReadOnlyList<string> ResolveClassNames(InferenceSession session, OnnxModelContract contract,
        IReadOnlyList<string>? given, string path)
    {
        var objectClasses = contract.ClassCountWithBackground - 1;
        if (given is not null)
        {
            if (given.Count != objectClasses)
                throw new ArgumentException($"{path} predicts {objectClasses} object classes, the labels name {given.Count}", nameof(given));
            return given.ToArray();
        }
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(OnnxConventions.ClassNamesKey, out var json))
            throw new ArgumentException($"{path} names no classes in its metadata ({OnnxConventions.ClassNamesKey}): give its labels file", nameof(given));
        string[] names;
        try
        {
            names = JsonSerializer.Deserialize<string[]>(json) ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: metadata {OnnxConventions.ClassNamesKey} is not a JSON list of names: {e.Message}", e);
        }
        if (names.Length != objectClasses)
            throw new InvalidDataException($"{path}: its metadata names {names.Length} classes, its outputs score {objectClasses} object classes");
        return names;
    }

    /// <summary>
    /// Runs the model on normalised input (N×3×S×S). A model exported with a fixed batch runs in batches of that size,
    /// the last one filled up with zeros whose outputs are dropped.
    /// </summary>
    public override RawPredictions Predict(ReadOnlySpan<float> input, int batchSize)
    {
        CheckInput(input, batchSize);
        var imageLength = InputLength;
        var step = FixedBatchSize ?? batchSize;
        List<float[]> scores = [], boxes = [];
        var priorCount = 0;
        for (var start = 0; start < batchSize; start += step)
        {
            var chunk = new float[step * imageLength];
            var count = Math.Min(step, batchSize - start);
            input.Slice(start * imageLength, count * imageLength).CopyTo(chunk);
            var (s, b, p) = Run(chunk, step, count);
            scores.Add(s);
            boxes.Add(b);
            priorCount = p;
        }
        return new RawPredictions(batchSize, priorCount, ClassCountWithBackground, Join(scores), Join(boxes));
    }

    // One session run on `batch` images, of which the first `keep` are returned.
    private (float[] Scores, float[] Boxes, int PriorCount) Run(float[] input, int batch, int keep)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, InputSize, InputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxConventions.InputName], [inputValue], outputNames);
        var scoreShape = outputs[0].GetTensorTypeAndShape().Shape;
        var boxShape = outputs[1].GetTensorTypeAndShape().Shape;
        if (scoreShape is not [_, var p, var c] || c != ClassCountWithBackground || boxShape is not [_, var pb, 4] || pb != p)
            throw new InvalidDataException($"{Path}: outputs of shapes [{string.Join(", ", scoreShape)}] and [{string.Join(", ", boxShape)}], " +
                $"expected [N, P, {ClassCountWithBackground}] and [N, P, 4]");
        var priors = checked((int)p);
        var scores = outputs[0].GetTensorDataAsSpan<float>()[..(keep * priors * ClassCountWithBackground)].ToArray();
        var boxes = outputs[1].GetTensorDataAsSpan<float>()[..(keep * priors * 4)].ToArray();
        return (scores, boxes, priors);
    }

    /// <summary>
    /// Runs the model on normalised input (N×3×S×S) and returns every output the file declares (<see cref="Outputs"/>),
    /// whatever its names, with its shape as run: what an Open Inference Protocol client asks for. A fixed batch runs
    /// in chunks as in <see cref="Predict"/>, the chunks joined along the first dimension.
    /// </summary>
    /// <exception cref="InvalidDataException">an output of a datatype other than FP32, INT32 or INT64</exception>
    public IReadOnlyList<NamedTensor> RunAll(ReadOnlySpan<float> input, int batchSize)
    {
        CheckInput(input, batchSize);
        var step = FixedBatchSize ?? batchSize;
        var parts = new List<NamedTensor[]>();
        for (var start = 0; start < batchSize; start += step)
        {
            var count = Math.Min(step, batchSize - start);
            var chunk = new float[step * InputLength];
            input.Slice(start * InputLength, count * InputLength).CopyTo(chunk);
            parts.Add(RunAllOnce(chunk, step, count));
        }
        return parts.Count == 1 ? parts[0] : [.. Enumerable.Range(0, allOutputNames.Length).Select(o => JoinBatch(parts.Select(p => p[o]).ToList(), batchSize))];
    }

    private NamedTensor[] RunAllOnce(float[] input, int batch, int keep)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, 3, InputSize, InputSize]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxConventions.InputName], [inputValue], allOutputNames);
        var tensors = new NamedTensor[outputs.Count];
        for (var i = 0; i < outputs.Count; i++)
        {
            var info = outputs[i].GetTensorTypeAndShape();
            long[] shape = [keep, .. info.Shape.Skip(1)];
            var length = checked((int)shape.Aggregate(1L, (a, d) => a * d));
            Array data = TensorSpec.DatatypeOf(info.ElementDataType) switch
            {
                "FP32" => outputs[i].GetTensorDataAsSpan<float>()[..length].ToArray(),
                "INT32" => outputs[i].GetTensorDataAsSpan<int>()[..length].ToArray(),
                "INT64" => outputs[i].GetTensorDataAsSpan<long>()[..length].ToArray(),
                _ => throw new InvalidDataException($"{Path}: output {allOutputNames[i]} is of type {info.ElementDataType}; FP32, INT32 and INT64 outputs are served"),
            };
            tensors[i] = new NamedTensor(allOutputNames[i], Outputs[i].Datatype, shape, data);
        }
        return tensors;
    }

    private static NamedTensor JoinBatch(List<NamedTensor> parts, int batchSize)
    {
        var joined = Array.CreateInstance(parts[0].Data.GetType().GetElementType()!, parts.Sum(p => p.Data.Length));
        var at = 0;
        foreach (var part in parts)
        {
            Array.Copy(part.Data, 0, joined, at, part.Data.Length);
            at += part.Data.Length;
        }
        return parts[0] with { Shape = [batchSize, .. parts[0].Shape.Skip(1)], Data = joined };
    }

    /// <summary>
    /// The detections of preprocessed images. A model that ends in NMS gives them itself: its first num_detections rows
    /// of each image, boxes scaled to the image and clamped to it, those at or below <see cref="PostProcessor"/>'s score
    /// threshold dropped and at most its top-k kept per class (<see cref="PostProcessor.ProcessNmsRows"/>; the export's own
    /// threshold has already applied). Other models run the shared post-processing.
    /// </summary>
    public override IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(ReadOnlySpan<float> input, IReadOnlyList<(int Width, int Height)> originals)
    {
        if (!HasNms) return base.Detect(input, originals);
        ArgumentNullException.ThrowIfNull(originals);
        if (originals.Count == 0) return [];
        var batchSize = originals.Count;
        CheckInput(input[..Math.Min(input.Length, batchSize * InputLength)], batchSize);
        var imageLength = InputLength;
        var step = FixedBatchSize ?? batchSize;
        var result = new IReadOnlyList<DetectedObject>[batchSize];
        var post = PostProcessor;
        var chunk = new float[step * imageLength];
        for (var start = 0; start < batchSize; start += step)
        {
            var count = Math.Min(step, batchSize - start);
            Array.Clear(chunk);
            input.Slice(start * imageLength, count * imageLength).CopyTo(chunk);
            using var inputValue = OrtValue.CreateTensorValueFromMemory(chunk, [step, 3, InputSize, InputSize]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [OnnxConventions.InputName], [inputValue], nmsOutputNames);
            var k = checked((int)outputs[1].GetTensorTypeAndShape().Shape[1]);
            var numbers = outputs[0].GetTensorDataAsSpan<int>();
            var boxes = outputs[1].GetTensorDataAsSpan<float>();
            var scores = outputs[2].GetTensorDataAsSpan<float>();
            var classes = outputs[3].GetTensorDataAsSpan<int>();
            for (var i = 0; i < count; i++)
            {
                var (width, height) = originals[start + i];
                result[start + i] = post.ProcessNmsRows(numbers[i], boxes.Slice(i * k * 4, k * 4), scores.Slice(i * k, k), classes.Slice(i * k, k), width, height);
            }
        }
        return result;
    }

    private static float[] Join(List<float[]> parts) => parts.Count == 1 ? parts[0] : [.. parts.SelectMany(p => p)];

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ONNX model {Path}: input {InputSize}x{InputSize}, batch {(FixedBatchSize?.ToString(CultureInfo.InvariantCulture) ?? "dynamic")}, {ClassCountWithBackground} classes{(HasNms ? $", NMS in the graph (K {MaxDetections})" : "")}");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) session.Dispose();
    }
}
