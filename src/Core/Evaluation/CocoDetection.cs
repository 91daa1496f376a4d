namespace SsdLite.Core.Evaluation;

/// <summary>One detection in COCO's results form: a category, a box as [x, y, width, height] in pixels and a score.</summary>
/// <param name="CategoryId">The category id, in the ground truth's id space.</param>
/// <param name="X">Left edge in pixels.</param>
/// <param name="Y">Top edge in pixels.</param>
/// <param name="Width">Box width in pixels.</param>
/// <param name="Height">Box height in pixels.</param>
/// <param name="Score">Confidence; higher ranks first.</param>
public readonly record struct CocoDetection(int CategoryId, double X, double Y, double Width, double Height, double Score)
{
    /// <summary>The detection's area, as COCO's loadRes sets it for boxes: width times height.</summary>
    public double Area => Width * Height;
}
