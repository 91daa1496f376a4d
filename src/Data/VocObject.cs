namespace SsdLite.Data;

/// <summary>One annotated object of a VOC image.</summary>
/// <param name="ClassId">1..N as given by the dataset's <see cref="Labels"/> (0 is the background, never an object).</param>
/// <param name="Name">The class name as written in the annotation, trimmed.</param>
/// <param name="Box">The box, 0-based pixels (see <see cref="VocBox"/>).</param>
/// <param name="Difficult">VOC's <c>difficult</c> flag (COCO's <c>iscrowd</c>): left out of training targets by default, ignored by evaluation.</param>
/// <param name="Truncated">VOC's <c>truncated</c> flag, kept for users; no stage of training uses it.</param>
public readonly record struct VocObject(int ClassId, string Name, VocBox Box, bool Difficult, bool Truncated)
{
    /// <summary>
    /// The object's area for COCO's small/medium/large ranges: a COCO annotation's <c>area</c> (its segment's);
    /// null for VOC and YOLO objects, whose area is their box's.
    /// </summary>
    public double? Area { get; init; }
}
