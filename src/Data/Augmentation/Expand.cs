using SsdLite.Vision;
namespace SsdLite.Data.Augmentation;

/// <summary>Where <see cref="Expand"/> puts the image: a canvas of this size, the image's top-left corner at (Left, Top).</summary>
public readonly record struct ExpandPlacement(int CanvasWidth, int CanvasHeight, int Left, int Top);

/// <summary>
/// SSD's zoom out: with probability 0.5 the image is placed on a canvas up to 4x its size per side, filled with
/// the mean (127), at a random position; the boxes move with it.
/// </summary>
public sealed class Expand
{
    /// <summary>The fill value of the canvas around the image (the dataset mean).</summary>
    public float Mean { get; init; } = 127f;

    /// <summary>The largest canvas side as a multiple of the image side.</summary>
    public float MaxRatio { get; init; } = 4f;

    /// <summary>The chance that an image is zoomed out at all.</summary>
    public double Probability { get; init; } = 0.5;

    /// <summary>Draws the placement for a width x height image, or null when the image stays as it is.</summary>
    public ExpandPlacement? Sample(Random rng, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (rng.NextDouble() >= Probability)
        {
            return null;
        }

        float ratio = PhotometricDistort.Uniform(rng, 1f, MaxRatio);
        float left = PhotometricDistort.Uniform(rng, 0f, (width * ratio) - width);
        float top = PhotometricDistort.Uniform(rng, 0f, (height * ratio) - height);
        int canvasWidth = Math.Max(width, (int)(width * ratio));
        int canvasHeight = Math.Max(height, (int)(height * ratio));
        return new ExpandPlacement(canvasWidth, canvasHeight,
            Math.Min((int)left, canvasWidth - width), Math.Min((int)top, canvasHeight - height));
    }

    /// <summary>
    /// Zooms out with probability <see cref="Probability"/>: the image placed at random on a larger canvas, boxes moved
    /// with it.
    /// </summary>
    public (FloatImage Image, BoxLabel[] Boxes) Apply(FloatImage image, ReadOnlySpan<BoxLabel> boxes, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Sample(rng, image.Width, image.Height) is not { } placement)
        {
            return (image, boxes.ToArray());
        }

        return (Place(image, placement, Mean), PlaceBoxes(boxes, placement));
    }

    /// <summary>The canvas of <paramref name="placement"/>, filled with <paramref name="mean"/>, the image pasted on it.</summary>
    public static FloatImage Place(FloatImage image, ExpandPlacement placement, float mean)
    {
        ArgumentNullException.ThrowIfNull(image);
        var canvas = new FloatImage(placement.CanvasWidth, placement.CanvasHeight);
        Compose(image, placement, mean, 0, 0, canvas.Width, canvas.Height, canvas.Data);
        return canvas;
    }

    /// <summary>The boxes moved by the placement's offset.</summary>
    public static BoxLabel[] PlaceBoxes(ReadOnlySpan<BoxLabel> boxes, ExpandPlacement placement)
    {
        var result = new BoxLabel[boxes.Length];
        for (int i = 0; i < boxes.Length; i++)
        {
            result[i] = boxes[i].Offset(placement.Left, placement.Top);
        }

        return result;
    }

    /// <summary>
    /// Writes the region (x, y, width, height) of the expanded canvas into <paramref name="destination"/> (packed
    /// HWC) without building the whole canvas: mean everywhere, the image where it overlaps.
    /// </summary>
    public static void Compose(FloatImage image, ExpandPlacement placement, float mean, int x, int y, int width, int height,
        Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int C = FloatImage.Channels;
        destination = destination[..(width * height * C)];
        destination.Fill(mean);

        // The image's rectangle on the canvas, intersected with the region, in region coordinates.
        int x0 = Math.Max(placement.Left, x) - x;
        int y0 = Math.Max(placement.Top, y) - y;
        int x1 = Math.Min(placement.Left + image.Width, x + width) - x;
        int y1 = Math.Min(placement.Top + image.Height, y + height) - y;
        if (x1 <= x0 || y1 <= y0)
        {
            return;
        }

        ReadOnlySpan<float> src = image.Data;
        int count = (x1 - x0) * C;
        for (int row = y0; row < y1; row++)
        {
            int srcY = row + y - placement.Top;
            int srcX = x0 + x - placement.Left;
            src.Slice(((srcY * image.Width) + srcX) * C, count).CopyTo(destination.Slice(((row * width) + x0) * C, count));
        }
    }
}
