using SsdLite.Vision;

namespace SsdLite.Runtime;

/// <summary>
/// A detector whatever runs its network: <see cref="OnnxDetector"/> (ONNX Runtime, no libtorch) or the TorchSharp
/// <c>Detector</c>. Both take the same test transform, give the same raw predictions and share the post-processing,
/// so code written against this interface serves either.
/// </summary>
public interface IObjectDetector : IDisposable
{
    /// <summary>Side of the square network input, in pixels.</summary>
    int InputSize { get; }

    /// <summary>Object class names without the background: class id k is <c>ClassNames[k - 1]</c>.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Thresholds, NMS and top-k; replace to change them.</summary>
    PostProcessor PostProcessor { get; set; }

    /// <summary>Values one image takes in the network's input (3×S×S).</summary>
    int InputLength { get; }

    /// <summary>The test transform of each image into one N×3×S×S buffer.</summary>
    float[] Preprocess(IReadOnlyList<Image> images);

    /// <summary>
    /// The test transform of one image into <paramref name="destination"/> (<see cref="InputLength"/> values); safe
    /// to call from several threads at once, so decoding threads can prepare a batch while the network runs another.
    /// </summary>
    void Preprocess(Image image, Span<float> destination);

    /// <summary>Softmax scores and decoded corner boxes of normalised input (N×3×S×S).</summary>
    RawPredictions Predict(ReadOnlySpan<float> input, int batchSize);

    /// <summary>The detections in <paramref name="image"/>, in its pixels, sorted by score.</summary>
    IReadOnlyList<DetectedObject> Detect(Image image);

    /// <summary>Detections for each image, in original-image pixels, one forward pass for the whole batch.</summary>
    IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(IReadOnlyList<Image> images);

    /// <summary>
    /// Detections for a batch preprocessed elsewhere (<see cref="Preprocess(Image, Span{float})"/>, one image after
    /// another in <paramref name="input"/>); <paramref name="originals"/> gives each image's size in pixels, to which
    /// its boxes are scaled.
    /// </summary>
    IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(ReadOnlySpan<float> input, IReadOnlyList<(int Width, int Height)> originals);
}
