using System.Globalization;

namespace SsdLite.Data;

/// <summary>What the dataset writers share: image copies, unique file names, number formatting.</summary>
internal static class DatasetFiles
{
    /// <summary>Copies each sample's image into <paramref name="folder"/> under its own file name; returns the copies' paths.</summary>
    public static string[] CopyImages(IReadOnlyList<AnnotatedImage> samples, string folder)
    {
        Directory.CreateDirectory(folder);
        RequireUniqueNames(samples);
        var copies = new string[samples.Count];
        Parallel.For(0, samples.Count, i =>
        {
            string target = Path.Combine(folder, Path.GetFileName(samples[i].ImagePath));
            if (!SameFile(samples[i].ImagePath, target)) File.Copy(samples[i].ImagePath, target, overwrite: true);
            copies[i] = target;
        });
        return copies;
    }

    /// <summary>The file stem each written annotation takes: the image's own.</summary>
    public static string Stem(AnnotatedImage sample) => Path.GetFileNameWithoutExtension(sample.ImagePath);

    /// <summary>Shortest text that reads back as the same double.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void RequireUniqueNames(IReadOnlyList<AnnotatedImage> samples)
    {
        var clash = samples.GroupBy(s => Path.GetFileNameWithoutExtension(s.ImagePath), StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new InvalidDataException(
                $"two images share the name '{clash.Key}' ({string.Join(", ", clash.Select(s => s.ImagePath))}); the written dataset names files by image name");
        }
    }

    private static bool SameFile(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
