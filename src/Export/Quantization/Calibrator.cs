using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using SsdLite.Runtime;
using SsdLite.Vision;

namespace SsdLite.Export.Quantization;

/// <summary>The ranges of a plan's tensors, and what calibration read to find them.</summary>
internal sealed record CalibrationResult(IReadOnlyDictionary<string, (float Min, float Max)> Ranges, IReadOnlyList<string> Images,
    IReadOnlyList<string> Skipped);

/// <summary>
/// Runs the float graph in ONNX Runtime with every tensor of a <see cref="QdqPlan"/> exposed as an extra output (the
/// way ONNX Runtime's own static quantiser calibrates) over images prepared by the test transform, one at a time.
/// </summary>
internal static class Calibrator
{
    public static CalibrationResult Run(ModelProto floatModel, QdqPlan plan, IReadOnlyList<string> candidates, int count, int inputSize,
        Int8ExportOptions options, Action<CalibrationProgress>? progress)
    {
        var names = plan.Tensors.Where(t => t.Role != TensorRole.Input).Select(t => t.Name).ToArray();
        using var session = Session(floatModel, names);
        var ranges = names.ToDictionary(n => n, _ => new TensorRange());
        var transform = new SsdTestTransform(inputSize);
        var passes = options.Method == CalibrationMethod.Percentile ? 2 : 1;
        var skipped = new List<string>();
        var used = new List<string>();
        foreach (var path in CalibrationImages.Order(candidates, count))
        {
            if (used.Count == count) break;
            var (image, error) = CalibrationImages.TryRead(path);
            if (image is null)
            {
                skipped.Add(error!);
                progress?.Invoke(new CalibrationProgress(used.Count, count, 1, passes, error));
                continue;
            }
            Forward(session, names, transform, image, (name, values) => ranges[name].AddMinMax(values));
            used.Add(path);
            progress?.Invoke(new CalibrationProgress(used.Count, count, 1, passes));
        }
        if (used.Count < count)
        {
            throw new CalibrationException($"calibration asked for {count} images, but only {used.Count} of the {candidates.Count} image files found " +
                $"could be read{(skipped.Count > 0 ? $" (first failure: {skipped[0]})" : "")}");
        }
        if (passes == 2) Histograms(session, names, ranges, transform, used, passes, progress);
        return new CalibrationResult(Ranges(plan, ranges, options), used, skipped);
    }

    private static void Histograms(InferenceSession session, string[] names, Dictionary<string, TensorRange> ranges, SsdTestTransform transform,
        List<string> images, int passes, Action<CalibrationProgress>? progress)
    {
        foreach (var range in ranges.Values) range.StartHistogram();
        for (var i = 0; i < images.Count; i++)
        {
            var (image, error) = CalibrationImages.TryRead(images[i]);
            if (image is null) throw new CalibrationException($"calibration image changed between passes: {error}");
            Forward(session, names, transform, image, (name, values) => ranges[name].AddHistogram(values));
            progress?.Invoke(new CalibrationProgress(i + 1, images.Count, 2, passes));
        }
    }

    // Heads keep min/max under every method: a percentile would clip the largest logits, the detections themselves.
    private static Dictionary<string, (float Min, float Max)> Ranges(QdqPlan plan, Dictionary<string, TensorRange> ranges, Int8ExportOptions options)
    {
        var result = new Dictionary<string, (float Min, float Max)>();
        foreach (var (name, range) in ranges)
        {
            var percentile = options.Method == CalibrationMethod.Percentile && plan[name].Role != TensorRole.Head;
            result[name] = percentile ? range.PercentileRange(options.Percentile) : (range.Min, range.Max);
        }
        return result;
    }

    private static void Forward(InferenceSession session, string[] names, SsdTestTransform transform, Image image, Action<string, ReadOnlySpan<float>> collect)
    {
        var input = new float[transform.OutputLength];
        transform.Apply(image, input);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, transform.Height, transform.Width]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [OnnxConventions.InputName], [value], names);
        for (var i = 0; i < names.Length; i++) collect(names[i], outputs[i].GetTensorDataAsSpan<float>());
    }

    // The float model with the tensors as graph outputs. Basic optimisations only: they keep every named tensor.
    private static InferenceSession Session(ModelProto floatModel, string[] names)
    {
        var model = floatModel.Clone();
        foreach (var name in names)
        {
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        return new InferenceSession(model.ToByteArray(), sessionOptions);
    }
}
