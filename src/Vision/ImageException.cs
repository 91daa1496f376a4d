namespace SsdLite.Vision;

/// <summary>An image could not be read, decoded, encoded or written; names the file where there is one.</summary>
public class ImageException : Exception
{
    /// <summary>An image error with <paramref name="message"/>.</summary>
    public ImageException(string message)
        : base(message)
    {
    }

    /// <summary>An image error about the file at <paramref name="path"/>.</summary>
    public ImageException(string message, string? path, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
    }

    /// <summary>The file concerned, or null for in-memory data.</summary>
    public string? Path { get; }
}
