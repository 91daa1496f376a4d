namespace SsdLite.Data.Tests;

/// <summary>A small VOC tree in a temporary folder, written file by file by each test.</summary>
internal sealed class VocTestTree : IDisposable
{
    public VocTestTree(string name = "VOC")
    {
        Root = Path.Combine(Path.GetTempPath(), $"ssdlite-voc-{Guid.NewGuid():N}", name);
        Directory.CreateDirectory(Path.Combine(Root, "JPEGImages"));
        Directory.CreateDirectory(Path.Combine(Root, "Annotations"));
    }

    public string Root { get; }

    public string AnnotationPath(string id) => Path.Combine(Root, "Annotations", id + ".xml");

    public string ImagePath(string id, string ext = ".jpg") => Path.Combine(Root, "JPEGImages", id + ext);

    public string SplitPath(string split) => Path.Combine(Root, "ImageSets", "Main", split + ".txt");

    public void WriteAnnotation(string id, string xml) => File.WriteAllText(AnnotationPath(id), xml);

    /// <summary>An image file placeholder; the reader only checks presence, decoding is the probe's job.</summary>
    public void WriteImage(string id, string ext = ".jpg") => File.WriteAllBytes(ImagePath(id, ext), [0xFF, 0xD8, 0xFF]);

    public void WriteSplit(string split, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SplitPath(split))!);
        File.WriteAllText(SplitPath(split), text);
    }

    /// <summary>Annotation and image of a valid sample with the given objects.</summary>
    public void WriteSample(string id, int width, int height, params string[] objects)
    {
        WriteAnnotation(id, Xml(id + ".jpg", width, height, objects));
        WriteImage(id);
    }

    public static string Xml(string fileName, int width, int height, params string[] objects) =>
        $"""
        <annotation>
          <folder>VOC2007</folder>
          <filename>{fileName}</filename>
          <size><width>{width}</width><height>{height}</height><depth>3</depth></size>
          <segmented>0</segmented>
          {string.Join("\n  ", objects)}
        </annotation>
        """;

    public static string Object(string name, string xmin, string ymin, string xmax, string ymax, int difficult = 0, int truncated = 0) =>
        $"""
        <object>
            <name>{name}</name>
            <pose>Unspecified</pose>
            <truncated>{truncated}</truncated>
            <difficult>{difficult}</difficult>
            <bndbox><xmin>{xmin}</xmin><ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax></bndbox>
          </object>
        """;

    public void Dispose()
    {
        string parent = Path.GetDirectoryName(Root)!;
        if (Directory.Exists(parent))
        {
            Directory.Delete(parent, recursive: true);
        }
    }
}
