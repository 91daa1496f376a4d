namespace SsdLite.Data;

/// <summary>
/// One batch in host memory, in the layout the trainer turns into tensors. The arrays are sized for a full
/// batch and reused: only the first <see cref="Count"/> images are valid (the span properties cover exactly
/// those), and a batch stays valid only until the next one is requested from the loader.
/// </summary>
public sealed class DataBatch
{
    internal DataBatch(int capacity, int imageSize, int priorCount)
    {
        Capacity = capacity;
        ImageSize = imageSize;
        PriorCount = priorCount;
        Images = new float[checked(capacity * 3 * imageSize * imageSize)];
        Locations = new float[checked(capacity * priorCount * 4)];
        Labels = new long[checked(capacity * priorCount)];
        SampleIndices = new int[capacity];
        Seeds = new ulong[capacity];
    }

    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Position of the batch in its epoch, from 0.</summary>
    public int Index { get; internal set; }

    /// <summary>Number of images in this batch.</summary>
    public int Count { get; internal set; }

    /// <summary>Number of images the buffers hold (the loader's batch size).</summary>
    public int Capacity { get; }

    /// <summary>Network input side S.</summary>
    public int ImageSize { get; }

    /// <summary>Number of priors P per image.</summary>
    public int PriorCount { get; }

    /// <summary>Images, N×3×S×S floats, CHW per image.</summary>
    public float[] Images { get; }

    /// <summary>Encoded box targets, N×P×4.</summary>
    public float[] Locations { get; }

    /// <summary>Class targets, N×P (0 = background).</summary>
    public long[] Labels { get; }

    /// <summary>Source index of each image (a replacement's index where a sample failed).</summary>
    public int[] SampleIndices { get; }

    /// <summary>The augmentation seed each image was transformed with.</summary>
    public ulong[] Seeds { get; }

    /// <summary>The valid part of <see cref="Images"/>.</summary>
    public Span<float> ImageData => Images.AsSpan(0, Count * ImageFloats);

    /// <summary>The valid part of <see cref="Locations"/>.</summary>
    public Span<float> LocationData => Locations.AsSpan(0, Count * PriorCount * 4);

    /// <summary>The valid part of <see cref="Labels"/>.</summary>
    public Span<long> LabelData => Labels.AsSpan(0, Count * PriorCount);

    internal int ImageFloats => 3 * ImageSize * ImageSize;

    internal Span<float> ImageOf(int slot) => Images.AsSpan(slot * ImageFloats, ImageFloats);

    internal Span<float> LocationsOf(int slot) => Locations.AsSpan(slot * PriorCount * 4, PriorCount * 4);

    internal Span<long> LabelsOf(int slot) => Labels.AsSpan(slot * PriorCount, PriorCount);
}
