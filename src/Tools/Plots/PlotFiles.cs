using SsdLite.Vision;
namespace SsdLite.Tools.Plots;

/// <summary>Writes a rendered plot atomically (a temporary file in the same folder, then a rename).</summary>
internal static class PlotFiles
{
    public static void WritePng(string path, ScottPlot.Image image)
    {
        var bytes = image.GetImageBytes(ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
