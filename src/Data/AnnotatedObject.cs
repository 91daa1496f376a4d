namespace SsdLite.Data;

/// <summary>One annotated object of an image, from a VOC, COCO or YOLO annotation.</summary>
/// <param name="ClassId">1..N as given by the dataset's <see cref="Labels"/> (0 is the background, never an object).</param>
/// <param name="Name">The class name as written in the annotation, trimmed.</param>
/// <param name="Box">
/// The box in image pixels, 0-based: a VOC annotation's 1-based inclusive coordinates minus 1 on all four sides,
/// converted once when the annotation is read (as the reference reads them), so <c>&lt;xmin&gt;1&lt;/xmin&gt;</c> is
/// <c>XMin = 0</c>. Detections and evaluation use the same convention.
/// </param>
/// <param name="Difficult">VOC's <c>difficult</c> flag (COCO's <c>iscrowd</c>): left out of training targets by default, ignored by evaluation.</param>
/// <param name="Truncated">VOC's <c>truncated</c> flag, kept for users; no stage of training uses it.</param>
public readonly record struct AnnotatedObject(int ClassId, string Name, BoxF Box, bool Difficult, bool Truncated)
{
    /// <summary>
    /// The object's area for COCO's small/medium/large ranges: a COCO annotation's <c>area</c> (its segment's);
    /// null for VOC and YOLO objects, whose area is their box's.
    /// </summary>
    public double? Area { get; init; }
}
