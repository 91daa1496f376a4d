using SsdLite.Data.Coco;
using SsdLite.Data.Yolo;

namespace SsdLite.Data;

/// <summary>
/// Opens a dataset of any <see cref="DatasetFormat"/> as checked samples: what <c>train</c>, <c>eval</c> and the
/// loader take. The format is named, or told by the path: a <c>.json</c> file is COCO, a <c>.yaml</c> file (or a
/// folder holding data.yaml) is YOLO, any other folder a VOC root.
/// </summary>
public static class DetectionDatasets
{
    /// <summary>Parses a format name (voc, coco, yolo), ignoring case.</summary>
    public static DatasetFormat ParseFormat(string name) => name.Trim().ToLowerInvariant() switch
    {
        "voc" => DatasetFormat.Voc,
        "coco" => DatasetFormat.Coco,
        "yolo" => DatasetFormat.Yolo,
        _ => throw new ArgumentException($"unknown dataset format '{name}' (expected voc, coco or yolo)", nameof(name)),
    };

    /// <summary>The format a path holds, from what it is.</summary>
    public static DatasetFormat Detect(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (File.Exists(path))
        {
            return extension switch
            {
                ".json" => DatasetFormat.Coco,
                ".yaml" or ".yml" => DatasetFormat.Yolo,
                _ => throw new ArgumentException($"{path}: not a dataset (expected a COCO .json, a YOLO data.yaml or a VOC root folder)"),
            };
        }
        if (Directory.Exists(path)) return YamlIn(path) is null ? DatasetFormat.Voc : DatasetFormat.Yolo;
        throw new FileNotFoundException($"dataset not found: {path}", path);
    }

    /// <summary>
    /// The file a path of the given format opens: a folder holding data.yaml for YOLO means that file; any other
    /// path is itself.
    /// </summary>
    public static string Resolve(string path, DatasetFormat format) =>
        format == DatasetFormat.Yolo && Directory.Exists(path)
            ? YamlIn(path) ?? throw new FileNotFoundException($"{path}: no data.yaml in this folder", Path.Combine(path, "data.yaml"))
            : path;

    /// <summary>The class names a COCO or YOLO dataset declares; null for VOC, whose files do not list them.</summary>
    public static Labels? DeclaredLabels(string path, DatasetFormat format) => format switch
    {
        DatasetFormat.Coco => CocoReader.ReadLabels(path),
        DatasetFormat.Yolo => YoloDataYaml.Load(Resolve(path, format)).Labels,
        _ => null,
    };

    /// <summary>
    /// Reads and checks one split of the given sources (all of one format), concatenated in order. VOC reads the
    /// split from ImageSets/Main; a COCO file is its own split (the split name is not used); YOLO reads data.yaml's
    /// train, val or test (see <see cref="YoloDataYaml.KeyOf"/>).
    /// </summary>
    /// <param name="sources">VOC roots, COCO files or YOLO data.yaml files (or folders holding one).</param>
    /// <param name="format">Their format; null tells it from the first source.</param>
    /// <param name="split">The split.</param>
    /// <param name="labels">The classes; null takes the dataset's own (COCO categories, YOLO names) or, for VOC, the 20 VOC classes.</param>
    /// <param name="keepDifficult">Whether training targets keep difficult (crowd) objects.</param>
    /// <param name="check">Reporting and probing; null reports nothing and skips bad samples.</param>
    /// <param name="imagesDir">COCO only: the folder file_name is relative to (default: the JSON file's folder).</param>
    /// <param name="cancellationToken">Stops the check.</param>
    public static DetectionDataset Open(IReadOnlyList<string> sources, DatasetFormat? format, string split, Labels? labels = null, bool keepDifficult = false,
        DataCheckOptions? check = null, string? imagesDir = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count == 0) throw new ArgumentException("no dataset given", nameof(sources));
        var kind = format ?? Detect(sources[0]);
        if (kind == DatasetFormat.Voc) return DetectionDataset.Open(sources, split, labels, keepDifficult, check, cancellationToken);
        labels ??= DeclaredLabels(sources[0], kind);
        check ??= new DataCheckOptions();
        var reads = sources.Select(source => kind == DatasetFormat.Coco
            ? CocoReader.Read(source, imagesDir, labels)
            : YoloReader.Read(Resolve(source, kind), split, labels, check.Probe ?? DataCheck.DefaultProbe, check.Parallelism)).ToList();
        var merged = new DatasetRead(reads.Sum(r => r.Listed), reads.SelectMany(r => r.Samples).ToArray(), reads.SelectMany(r => r.Issues).ToArray(), labels!);
        // A YOLO reader already decoded every image to learn its size.
        var result = DataCheck.Run(merged, check, probeImages: kind == DatasetFormat.Coco, cancellationToken);
        return new DetectionDataset(result.Samples, labels!, keepDifficult, result.Issues);
    }

    private static string? YamlIn(string folder) =>
        new[] { "data.yaml", "data.yml" }.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);
}
