namespace SsdLite.Runtime;

/// <summary>Raw predictions of a batch: softmax scores (N·P·C) and decoded corner boxes (N·P·4) relative to the input.</summary>
public sealed record RawPredictions(int BatchSize, int PriorCount, int ClassCountWithBackground, float[] Scores, float[] Boxes)
{
    /// <summary>The scores of image <paramref name="image"/>: P × C floats.</summary>
    public ReadOnlySpan<float> ScoresOf(int image) => Scores.AsSpan(image * PriorCount * ClassCountWithBackground, PriorCount * ClassCountWithBackground);

    /// <summary>The boxes of image <paramref name="image"/>: P × 4 floats, corners relative to the input.</summary>
    public ReadOnlySpan<float> BoxesOf(int image) => Boxes.AsSpan(image * PriorCount * 4, PriorCount * 4);
}
