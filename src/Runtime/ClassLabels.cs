namespace SsdLite.Runtime;

/// <summary>Class names as the post-processor labels detections: indexed by class id, the background first.</summary>
public static class ClassLabels
{
    /// <summary>The name of class 0, as the reference's labels files write it.</summary>
    public const string Background = "BACKGROUND";

    /// <summary><see cref="Background"/> followed by the object class names.</summary>
    public static IReadOnlyList<string> WithBackground(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        return [Background, .. classNames];
    }

    /// <summary>The post-processing of <paramref name="detector"/> with other thresholds, labelled with its classes.</summary>
    public static PostProcessor PostProcessorFor(IObjectDetector detector, float scoreThreshold, float iouThreshold = 0.45f,
        int candidateSize = 200, int topK = -1)
    {
        ArgumentNullException.ThrowIfNull(detector);
        return new PostProcessor(scoreThreshold, iouThreshold, candidateSize, topK, labels: WithBackground(detector.ClassNames));
    }
}
