using SsdLite.Vision;
namespace SsdLite.Data.Augmentation;

/// <summary>Mirrors left-right with probability 0.5: a box's xmin becomes width - xmax and its xmax width - xmin.</summary>
public static class HorizontalFlip
{
    /// <summary>Draws whether to flip.</summary>
    public static bool Sample(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return PhotometricDistort.Coin(rng);
    }

    /// <summary>Mirrors the image left to right, in place.</summary>
    public static void FlipImage(FloatImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int C = FloatImage.Channels;
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Data.AsSpan(y * image.Width * C, image.Width * C);
            for (int l = 0, r = image.Width - 1; l < r; l++, r--)
            {
                for (int c = 0; c < C; c++)
                {
                    (row[(l * C) + c], row[(r * C) + c]) = (row[(r * C) + c], row[(l * C) + c]);
                }
            }
        }
    }

    /// <summary>The boxes mirrored in an image <paramref name="width"/> pixels wide.</summary>
    public static BoxLabel[] FlipBoxes(ReadOnlySpan<BoxLabel> boxes, int width)
    {
        var result = new BoxLabel[boxes.Length];
        for (int i = 0; i < boxes.Length; i++)
        {
            var b = boxes[i];
            result[i] = b with { XMin = width - b.XMax, XMax = width - b.XMin };
        }

        return result;
    }

    /// <summary>Flips image and boxes with probability 0.5.</summary>
    public static (FloatImage Image, BoxLabel[] Boxes) Apply(FloatImage image, ReadOnlySpan<BoxLabel> boxes, Random rng)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!Sample(rng))
        {
            return (image, boxes.ToArray());
        }

        FlipImage(image);
        return (image, FlipBoxes(boxes, image.Width));
    }
}
