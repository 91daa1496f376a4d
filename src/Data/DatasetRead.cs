namespace SsdLite.Data;

/// <summary>
/// What a COCO or YOLO reader found before images are decoded: the samples whose annotations are usable, every
/// problem (the images concerned are not among the samples), how many images the dataset lists, and its classes.
/// </summary>
/// <param name="Listed">How many images the file or folder lists.</param>
/// <param name="Samples">The usable samples, in the dataset's order.</param>
/// <param name="Issues">Every problem found, each naming its file and entry or line.</param>
/// <param name="Labels">The classes the samples' class ids index into.</param>
public sealed record DatasetRead(int Listed, IReadOnlyList<AnnotatedImage> Samples, IReadOnlyList<DataIssue> Issues, Labels Labels);
