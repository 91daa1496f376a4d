using SsdLite.Vision;

namespace SsdLite.Runtime;

/// <summary>
/// What every detector shares whatever runs its network: the test transform, and turning raw predictions into
/// detections in original-image pixels. A subclass supplies <see cref="Predict"/> (TorchSharp in <c>Detector</c>,
/// ONNX Runtime in <see cref="OnnxDetector"/>). The transform and the post-processing only read their settings, so
/// every method may be called from several threads at once where the subclass's <see cref="Predict"/> may.
/// </summary>
public abstract class ObjectDetector : IObjectDetector
{
    private readonly SsdTestTransform transform;

    /// <summary>
    /// A detector whose square input is <paramref name="inputSize"/> pixels, post-processed by <paramref
    /// name="postProcessor"/>.
    /// </summary>
    protected ObjectDetector(int inputSize, PostProcessor postProcessor)
    {
        ArgumentNullException.ThrowIfNull(postProcessor);
        transform = new SsdTestTransform(inputSize);
        PostProcessor = postProcessor;
    }

    /// <summary>The side of the square network input, in pixels.</summary>
    public int InputSize => transform.Width;

    /// <summary>Floats per preprocessed image (3 × side × side).</summary>
    public int InputLength => transform.OutputLength;

    /// <summary>The class names, background excluded (class id k is <c>ClassNames[k - 1]</c>).</summary>
    public abstract IReadOnlyList<string> ClassNames { get; }

    /// <summary>Turns scores and boxes into detections (threshold, NMS, top-k); replace it to change those.</summary>
    public PostProcessor PostProcessor { get; set; }

    /// <summary>
    /// Runs the network on <paramref name="batchSize"/> preprocessed images (NCHW floats): scores and boxes per prior.
    /// </summary>
    public abstract RawPredictions Predict(ReadOnlySpan<float> input, int batchSize);

    /// <summary>What every <see cref="Predict"/> requires: a positive batch of exactly that many images.</summary>
    protected void CheckInput(ReadOnlySpan<float> input, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (input.Length != batchSize * InputLength)
            throw new ArgumentException(
                $"{batchSize} images of 3x{InputSize}x{InputSize} need {batchSize * InputLength} values, got {input.Length}", nameof(input));
    }

    /// <summary>The detections in <paramref name="image"/>, in its pixels, sorted by score.</summary>
    public IReadOnlyList<DetectedObject> Detect(Image image) => Detect([image])[0];

    /// <summary>The detections of each image, run as one batch.</summary>
    public IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) return [];
        return Detect(Preprocess(images), images.Select(image => (image.Width, image.Height)).ToList());
    }

    /// <summary>The detections of already preprocessed images, boxes scaled to each image's original size.</summary>
    public virtual IReadOnlyList<IReadOnlyList<DetectedObject>> Detect(ReadOnlySpan<float> input, IReadOnlyList<(int Width, int Height)> originals)
    {
        ArgumentNullException.ThrowIfNull(originals);
        if (originals.Count == 0) return [];
        var raw = Predict(input[..(originals.Count * InputLength)], originals.Count);
        var post = PostProcessor;
        var result = new IReadOnlyList<DetectedObject>[originals.Count];
        for (var i = 0; i < originals.Count; i++)
        {
            result[i] = post.Process(raw.ScoresOf(i), raw.BoxesOf(i), raw.ClassCountWithBackground, originals[i].Width, originals[i].Height);
        }
        return result;
    }

    /// <summary>
    /// The network input of <paramref name="images"/>: the test transform of each, one after another.
    /// </summary>
    public float[] Preprocess(IReadOnlyList<Image> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var size = InputLength;
        var input = new float[images.Count * size];
        for (var i = 0; i < images.Count; i++) transform.Apply(images[i], input.AsSpan(i * size, size));
        return input;
    }

    /// <summary>Writes the network input of <paramref name="image"/> to <paramref name="destination"/>.</summary>
    public void Preprocess(Image image, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (destination.Length < InputLength)
            throw new ArgumentException($"one image needs {InputLength} values, the destination holds {destination.Length}", nameof(destination));
        transform.Apply(image, destination[..InputLength]);
    }

    /// <summary>Frees the network's native resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the network (a session, or a model and its tensors).</summary>
    protected abstract void Dispose(bool disposing);
}
