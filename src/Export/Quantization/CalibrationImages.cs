using SsdLite.Vision;

namespace SsdLite.Export.Quantization;

/// <summary>
/// The image files calibration may read: each file path as given, each folder's image files (by extension,
/// subfolders included), sorted so that a run is repeatable. Which of them are read, and how many, is
/// <see cref="Order"/>'s business.
/// </summary>
public static class CalibrationImages
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".webp", ".gif"];

    /// <exception cref="CalibrationException">a path that does not exist, or a folder without image files</exception>
    public static IReadOnlyList<string> Find(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new CalibrationException($"calibration folder {path} holds no image files ({string.Join(", ", Extensions)})");
                files.AddRange(found);
            }
            else
            {
                throw new CalibrationException($"calibration path {path}: no such file or folder");
            }
        }
        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The order to read <paramref name="files"/> in: <paramref name="count"/> spread evenly over the list first (so a
    /// folder sorted by class or by date is covered end to end), then the rest, to stand in for any that fail to decode.
    /// </summary>
    public static IReadOnlyList<string> Order(IReadOnlyList<string> files, int count)
    {
        ArgumentNullException.ThrowIfNull(files);
        var picked = new bool[files.Count];
        var order = new List<string>(files.Count);
        var take = Math.Min(count, files.Count);
        for (var i = 0; i < take; i++)
        {
            var index = (int)((long)i * files.Count / take);
            picked[index] = true;
            order.Add(files[index]);
        }
        for (var i = 0; i < files.Count; i++)
        {
            if (!picked[i]) order.Add(files[i]);
        }
        return order;
    }

    /// <summary>Decodes a file, or returns the reason it cannot be read.</summary>
    internal static (Image? Image, string? Error) TryRead(string path)
    {
        try
        {
            return (ImageIO.Read(path), null);
        }
        catch (ImageException e)
        {
            return (null, e.Message);
        }
    }
}
