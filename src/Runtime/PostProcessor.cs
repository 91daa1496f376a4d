using System.Buffers;

namespace SsdLite.Runtime;

/// <summary>
/// Turns one image's network output (softmax scores and decoded boxes) into detections, the reference's
/// way: per foreground class, scores above the threshold, ranked by score then prior index, the best
/// <see cref="CandidateSize"/>, NMS, at most <see cref="TopK"/>; boxes scaled to the original image and
/// clamped to it; all classes merged by score descending (ties keep class order, then rank).
/// </summary>
/// <remarks>Immutable; one instance may serve several threads.</remarks>
public sealed class PostProcessor
{
    private readonly string[]? labels;

    /// <param name="scoreThreshold">A class score must be greater than this (reference: 0.01 for evaluation).</param>
    /// <param name="iouThreshold">Hard NMS drops a box whose IoU with a kept one is greater than this.</param>
    /// <param name="candidateSize">Candidates per class before NMS; &lt;= 0 for all.</param>
    /// <param name="topK">Detections kept per class; &lt;= 0 for no limit.</param>
    /// <param name="softNms">Gaussian soft-NMS instead of hard NMS (scores decay; the threshold drops them).</param>
    /// <param name="sigma">Soft-NMS decay: score * exp(-iou² / sigma).</param>
    /// <param name="labels">Class names indexed by class id (index 0 is background), or none.</param>
    public PostProcessor(
        float scoreThreshold = 0.01f,
        float iouThreshold = 0.45f,
        int candidateSize = 200,
        int topK = -1,
        bool softNms = false,
        float sigma = 0.5f,
        IReadOnlyList<string>? labels = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scoreThreshold);
        ArgumentOutOfRangeException.ThrowIfNegative(iouThreshold);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        ScoreThreshold = scoreThreshold;
        IouThreshold = iouThreshold;
        CandidateSize = candidateSize;
        TopK = topK;
        SoftNms = softNms;
        Sigma = sigma;
        this.labels = labels?.ToArray();
    }

    /// <summary>Scores at or below this are dropped.</summary>
    public float ScoreThreshold { get; }

    /// <summary>NMS suppresses a box whose IoU with a kept one is above this.</summary>
    public float IouThreshold { get; }

    /// <summary>The best this many boxes per class go into NMS.</summary>
    public int CandidateSize { get; }

    /// <summary>At most this many detections per class (-1: no limit).</summary>
    public int TopK { get; }

    /// <summary>Whether Gaussian soft-NMS replaces hard NMS.</summary>
    public bool SoftNms { get; }

    /// <summary>The soft-NMS decay.</summary>
    public float Sigma { get; }

    /// <summary>
    /// Detections of one image. <paramref name="scores"/> holds P x C softmax scores (class 0 background),
    /// <paramref name="boxesCorner"/> P decoded corner boxes relative to the network input.
    /// </summary>
    public IReadOnlyList<DetectedObject> Process(
        ReadOnlySpan<float> scores,
        ReadOnlySpan<float> boxesCorner,
        int classCount,
        float imageWidth,
        float imageHeight)
    {
        Validate(scores, boxesCorner, classCount, imageWidth, imageHeight);
        var priorCount = boxesCorner.Length / 4;
        var buffers = ClassBuffers.Rent(priorCount, Nms.KeepLimit(priorCount, CandidateSize, TopK));
        try
        {
            var found = new List<DetectedObject>();
            for (var c = 1; c < classCount; c++)
            {
                var n = GatherCandidates(scores, boxesCorner, classCount, c, buffers);
                var kept = Suppress(n, buffers);
                AppendScaled(c, kept, buffers, imageWidth, imageHeight, found);
            }

            return ScoreOrder.Rank(found, d => d.Score);
        }
        finally
        {
            buffers.Return();
        }
    }

    /// <summary>
    /// Detections of one image from a model that ends in NMS (<see cref="OnnxConventions.NumDetectionsName"/> and the
    /// other EfficientNMS outputs): its first <paramref name="count"/> rows, best first as the graph ranked them, those
    /// at or below <see cref="ScoreThreshold"/> dropped and at most <see cref="TopK"/> kept per class, boxes scaled to the
    /// image and clamped to it as <see cref="Process"/> does. The graph applied its own threshold, candidate limit and
    /// NMS already: a threshold below the export's finds nothing more.
    /// </summary>
    /// <param name="count">The image's num_detections; clamped to the K rows given.</param>
    /// <param name="boxes">The image's K rows of detection_boxes (K x 4, corners relative to the input).</param>
    /// <param name="scores">The image's K detection_scores.</param>
    /// <param name="classes">The image's K detection_classes (1 is the first object class).</param>
    /// <param name="imageWidth">The original image's width in pixels.</param>
    /// <param name="imageHeight">The original image's height in pixels.</param>
    public IReadOnlyList<DetectedObject> ProcessNmsRows(
        int count,
        ReadOnlySpan<float> boxes,
        ReadOnlySpan<float> scores,
        ReadOnlySpan<int> classes,
        float imageWidth,
        float imageHeight)
    {
        var k = scores.Length;
        if (boxes.Length != k * 4 || classes.Length != k)
            throw new ArgumentException($"{k} NMS rows need {k * 4} box values and {k} classes, got {boxes.Length} and {classes.Length}", nameof(boxes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);
        var rows = Math.Clamp(count, 0, k);
        var found = new List<DetectedObject>(rows);
        var perClass = new Dictionary<int, int>();
        for (var r = 0; r < rows; r++)
        {
            var score = scores[r];
            if (score <= ScoreThreshold) continue;
            var classId = classes[r];
            var kept = perClass.GetValueOrDefault(classId);
            if (TopK > 0 && kept >= TopK) continue;
            perClass[classId] = kept + 1;
            var b = boxes.Slice(r * 4, 4);
            var box = new BoxF(
                Math.Clamp(b[0] * imageWidth, 0f, imageWidth),
                Math.Clamp(b[1] * imageHeight, 0f, imageHeight),
                Math.Clamp(b[2] * imageWidth, 0f, imageWidth),
                Math.Clamp(b[3] * imageHeight, 0f, imageHeight));
            var label = labels is not null && classId > 0 && classId < labels.Length ? labels[classId] : null;
            found.Add(new DetectedObject(classId, label, score, box));
        }
        return found;
    }

    private static void Validate(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxesCorner, int classCount, float width, float height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        BoxMath.CheckPackedLength(boxesCorner, nameof(boxesCorner));
        var priorCount = boxesCorner.Length / 4;
        if (scores.Length != priorCount * classCount)
        {
            throw new ArgumentException(
                $"{priorCount} boxes and {classCount} classes need {priorCount * classCount} scores, got {scores.Length}.",
                nameof(scores));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
    }

    // Candidates keep prior order, so the stable ranking's index tie-break is the prior index.
    private int GatherCandidates(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxesCorner, int classCount, int c, ClassBuffers buffers)
    {
        var n = 0;
        var priorCount = boxesCorner.Length / 4;
        for (var p = 0; p < priorCount; p++)
        {
            var score = scores[(p * classCount) + c];
            if (score > ScoreThreshold)
            {
                buffers.Scores[n] = score;
                boxesCorner.Slice(p * 4, 4).CopyTo(buffers.Boxes.AsSpan(n * 4, 4));
                n++;
            }
        }

        return n;
    }

    private int Suppress(int n, ClassBuffers buffers)
    {
        var boxes = buffers.Boxes.AsSpan(0, n * 4);
        var scores = buffers.Scores.AsSpan(0, n);
        if (SoftNms)
        {
            return Nms.Soft(boxes, scores, Sigma, ScoreThreshold, CandidateSize, TopK, buffers.Keep, buffers.KeptScores);
        }

        var kept = Nms.Hard(boxes, scores, IouThreshold, CandidateSize, TopK, buffers.Keep);
        for (var k = 0; k < kept; k++)
        {
            buffers.KeptScores[k] = scores[buffers.Keep[k]];
        }

        return kept;
    }

    private void AppendScaled(int classId, int kept, ClassBuffers buffers, float width, float height, List<DetectedObject> found)
    {
        var label = labels is not null && classId < labels.Length ? labels[classId] : null;
        for (var k = 0; k < kept; k++)
        {
            var b = buffers.Boxes.AsSpan(buffers.Keep[k] * 4, 4);
            var box = new BoxF(
                Math.Clamp(b[0] * width, 0f, width),
                Math.Clamp(b[1] * height, 0f, height),
                Math.Clamp(b[2] * width, 0f, width),
                Math.Clamp(b[3] * height, 0f, height));
            found.Add(new DetectedObject(classId, label, buffers.KeptScores[k], box));
        }
    }

    /// <summary>Per-call scratch from the shared pool, so concurrent calls never share buffers.</summary>
    private sealed class ClassBuffers
    {
        private ClassBuffers(float[] scores, float[] boxes, int[] keep, float[] keptScores)
        {
            Scores = scores;
            Boxes = boxes;
            Keep = keep;
            KeptScores = keptScores;
        }

        public float[] Scores { get; }

        public float[] Boxes { get; }

        public int[] Keep { get; }

        public float[] KeptScores { get; }

        public static ClassBuffers Rent(int priorCount, int keepLimit) => new(
            ArrayPool<float>.Shared.Rent(priorCount),
            ArrayPool<float>.Shared.Rent(priorCount * 4),
            ArrayPool<int>.Shared.Rent(keepLimit),
            ArrayPool<float>.Shared.Rent(keepLimit));

        public void Return()
        {
            ArrayPool<float>.Shared.Return(Scores);
            ArrayPool<float>.Shared.Return(Boxes);
            ArrayPool<int>.Shared.Return(Keep);
            ArrayPool<float>.Shared.Return(KeptScores);
        }
    }
}
