using System.Globalization;

namespace SsdLite.Data;

/// <summary>
/// The size limits of the annotation files SsdLite reads from elsewhere, and a read that keeps to them: a file over
/// its limit is refused by its length before it is read, and a file that grows while it is read (or a device such as
/// /dev/zero, whose length says 0) is refused once the limit is passed, so no annotation file takes more memory than
/// its limit. The limits are far above real files: a VOC annotation or a YOLO label file of one image is a few KiB,
/// a data.yaml of 1000 classes about 30 KiB, COCO 2017's largest file (instances_train2017.json) 448 MiB.
/// </summary>
public static class AnnotationFiles
{
    /// <summary>The largest VOC annotation (.xml) read: 16 MiB.</summary>
    public const long VocXmlMaxBytes = 16L << 20;

    /// <summary>The largest YOLO label file (.txt) read: 16 MiB.</summary>
    public const long YoloLabelMaxBytes = 16L << 20;

    /// <summary>The largest data.yaml read: 1 MiB.</summary>
    public const long DataYamlMaxBytes = 1L << 20;

    /// <summary>
    /// The largest list of images read (a VOC ImageSets split, a YOLO image list): 256 MiB, about 8 million lines of
    /// 32 bytes, where Open Images' 1.7 million training images need 60 MiB.
    /// </summary>
    public const long ImageListMaxBytes = 256L << 20;

    /// <summary>The largest labels file (one class name per line) read: 16 MiB.</summary>
    public const long LabelsMaxBytes = 16L << 20;

    /// <summary>The default of <see cref="CocoJsonMaxBytes"/>: 1 GiB.</summary>
    public const long DefaultCocoJsonMaxBytes = 1L << 30;

    /// <summary>The environment variable that sets <see cref="CocoJsonMaxBytes"/> (for LVIS-sized files, 1.1 GB).</summary>
    public const string CocoJsonMaxBytesVariable = "SSDLITE_MAX_COCO_BYTES";

    /// <summary>
    /// The largest COCO JSON file read. A parsed JSON document holds the file's bytes and a few bytes per token
    /// beside them, so this bounds the reader's memory to a small multiple of it. <see cref="DefaultCocoJsonMaxBytes"/>
    /// unless <c>SSDLITE_MAX_COCO_BYTES</c> says otherwise (at most 2 GiB, what one .NET array holds); settable.
    /// </summary>
    public static long CocoJsonMaxBytes { get; set; } = CocoLimitFromEnvironment(Environment.GetEnvironmentVariable(CocoJsonMaxBytesVariable));

    /// <summary>The limit an <c>SSDLITE_MAX_COCO_BYTES</c> value sets: a positive integer up to 2 GiB, else the default.</summary>
    public static long CocoLimitFromEnvironment(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0
            ? Math.Min(limit, Array.MaxLength)
            : DefaultCocoJsonMaxBytes;

    /// <summary>
    /// Reads a whole file of at most <paramref name="maxBytes"/> bytes; <paramref name="what"/> names it in the
    /// error ("the VOC annotation").
    /// </summary>
    /// <exception cref="InvalidDataException">the file is longer than <paramref name="maxBytes"/></exception>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        long declared = stream.CanSeek ? stream.Length : 0;
        if (declared > maxBytes) throw TooLarge(path, what, maxBytes, declared);
        using var memory = new MemoryStream((int)Math.Max(declared, 4096));
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (memory.Length + read > maxBytes) throw TooLarge(path, what, maxBytes, null);
            memory.Write(chunk, 0, read);
        }
        return memory.ToArray();
    }

    /// <summary>
    /// The lines of a text file of at most <paramref name="maxBytes"/> bytes, decoded as <see cref="File.ReadLines(string)"/>
    /// decodes them (UTF-8 unless a byte-order mark says otherwise, the mark dropped).
    /// </summary>
    /// <exception cref="InvalidDataException">the file is longer than <paramref name="maxBytes"/></exception>
    public static List<string> ReadLines(string path, long maxBytes, string what)
    {
        var bytes = ReadAllBytes(path, maxBytes, what);
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    private static InvalidDataException TooLarge(string path, string what, long maxBytes, long? length) =>
        new(length is { } l
            ? $"{path}: {what} is {l} bytes, more than the limit of {Describe(maxBytes)}"
            : $"{path}: {what} is more than the limit of {Describe(maxBytes)}");

    private static string Describe(long bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";
}
