using System.Globalization;

namespace SsdLite.Vision;

/// <summary>An image's header declares more pixels than the caller allows; nothing was decoded.</summary>
public sealed class ImageTooLargeException : ImageException
{
    /// <summary>A refusal of a <paramref name="width"/> x <paramref name="height"/> image over <paramref name="limit"/> pixels.</summary>
    public ImageTooLargeException(int width, int height, long limit)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"it declares {width}x{height} = {(long)width * height} pixels, more than the limit of {limit}"))
    {
        Width = width;
        Height = height;
        Limit = limit;
    }

    /// <summary>The width the header declares.</summary>
    public int Width { get; }

    /// <summary>The height the header declares.</summary>
    public int Height { get; }

    /// <summary>The pixel count the header declares.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>The pixel count allowed.</summary>
    public long Limit { get; }
}
