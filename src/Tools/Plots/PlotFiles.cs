namespace SsdLite.Tools.Plots;

/// <summary>Writes a rendered plot atomically (a temporary file in the same folder, then a rename).</summary>
internal static class PlotFiles
{
    public static void WritePng(string path, ScottPlot.Image image)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, image.GetImageBytes(ScottPlot.ImageFormat.Png));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
