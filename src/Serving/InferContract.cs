using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// What an infer request is checked against, read from the served model: its one input <c>input_0</c> FP32
/// [N, 3, S, S] with N up to the server's <see cref="ServeOptions.MaxBatch"/>, and its outputs as the ONNX file
/// declares them (scores and boxes, or whatever else the file names, such as EfficientNMS's four).
/// </summary>
internal sealed record InferContract(string ModelName, int InputSize, int MaxBatch, IReadOnlyList<TensorSpec> Outputs)
{
    public static InferContract For(ServedModel model, ServeOptions options) =>
        new(model.Name, model.Detector.InputSize, options.MaxBatch, model.Detector.Outputs);

    /// <summary>Values per image of the input: 3·S·S.</summary>
    public int ImageLength => 3 * InputSize * InputSize;

    /// <summary>The input as an error message describes it.</summary>
    public string InputText => $"{OnnxConventions.InputName} FP32 [N, 3, {InputSize}, {InputSize}] with N from 1 to {MaxBatch}";
}
