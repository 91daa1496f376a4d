using System.Text;
using SsdLite.Vision;

namespace SsdLite.Data.Yolo;

/// <summary>
/// Writes samples as one split of an Ultralytics dataset: images/SPLIT/ (copied), labels/SPLIT/NAME.txt with
/// <c>class cx cy w h</c> normalised (shortest round-trip decimals, so boxes read back to the same pixels), a
/// SPLIT.txt image list in sample order, and data.yaml naming every split written so far. trainval is written as
/// train (YOLO has train, val and test). YOLO has no difficult or crowd flag: such objects are written as plain ones.
/// </summary>
public static class YoloWriter
{
    private static readonly string[] SplitKeys = ["train", "val", "test"];

    /// <summary>Writes the split; returns how many difficult or crowd flags were dropped.</summary>
    public static int Write(IReadOnlyList<AnnotatedImage> samples, Labels labels, string root, string split)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        string key = split.ToLowerInvariant() is "trainval" or "train" ? "train" : split.ToLowerInvariant();
        if (!SplitKeys.Contains(key)) throw new ArgumentException($"YOLO splits are train, val and test, not '{split}'", nameof(split));
        var copies = DatasetFiles.CopyImages(samples, Path.Combine(root, "images", key));
        string labelFolder = Path.Combine(root, "labels", key);
        Directory.CreateDirectory(labelFolder);
        int dropped = 0;
        foreach (var sample in samples)
        {
            dropped += sample.Objects.Count(o => o.Difficult);
            AtomicFile.WriteAllText(Path.Combine(labelFolder, DatasetFiles.Stem(sample) + ".txt"), LabelText(sample));
        }
        AtomicFile.WriteAllText(Path.Combine(root, key + ".txt"),
            string.Concat(copies.Select(c => "./" + Path.GetRelativePath(root, c).Replace('\\', '/') + "\n")));
        WriteDataYaml(root, labels);
        return dropped;
    }

    private static string LabelText(AnnotatedImage sample)
    {
        var sb = new StringBuilder();
        foreach (var o in sample.Objects)
        {
            double w = sample.Width, h = sample.Height;
            double cx = ((double)o.Box.XMin + o.Box.XMax) / 2 / w, cy = ((double)o.Box.YMin + o.Box.YMax) / 2 / h;
            double bw = ((double)o.Box.XMax - o.Box.XMin) / w, bh = ((double)o.Box.YMax - o.Box.YMin) / h;
            sb.Append(o.ClassId - 1).Append(' ').Append(DatasetFiles.Number(cx)).Append(' ').Append(DatasetFiles.Number(cy)).Append(' ')
                .Append(DatasetFiles.Number(bw)).Append(' ').Append(DatasetFiles.Number(bh)).Append('\n');
        }
        return sb.ToString();
    }

    private static void WriteDataYaml(string root, Labels labels)
    {
        var sb = new StringBuilder();
        sb.Append("# written by ssdlite (Ultralytics layout)\npath: .\n");
        foreach (string key in SplitKeys.Where(k => File.Exists(Path.Combine(root, k + ".txt"))))
        {
            sb.Append(key).Append(": ").Append(key).Append(".txt\n");
        }
        sb.Append("names:\n");
        for (int i = 0; i < labels.Names.Count; i++)
        {
            sb.Append("  ").Append(i).Append(": '").Append(labels.Names[i].Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }
        AtomicFile.WriteAllText(Path.Combine(root, "data.yaml"), sb.ToString());
    }
}
