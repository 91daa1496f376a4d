namespace SsdLite.Core.Evaluation;

/// <summary>
/// One ground-truth object as COCO's evaluation sees it: a box in pixels as [x, y, width, height], the annotation's
/// own <c>area</c> (which decides the small/medium/large range, not the box) and its <c>iscrowd</c> flag.
/// </summary>
/// <param name="Id">The annotation id. COCOeval records a match by this id, so an id of 0 reads as "unmatched" there;
/// <see cref="CocoEvaluator"/> keeps that behaviour so that its numbers equal COCOeval's on any file.</param>
/// <param name="CategoryId">The category (any integer ids; only equality matters).</param>
/// <param name="X">Left edge in pixels.</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Box width in pixels.</param>
/// <param name="Height">Box height in pixels.</param>
/// <param name="Area">The annotation's area (COCO: the segment's area; VOC and YOLO: the box's).</param>
/// <param name="Crowd">A crowd region: detections on it are neither true nor false positives.</param>
public readonly record struct CocoGroundTruth(long Id, int CategoryId, double X, double Y, double Width, double Height, double Area, bool Crowd);
