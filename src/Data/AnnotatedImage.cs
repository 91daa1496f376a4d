namespace SsdLite.Data;

/// <summary>
/// One image of a dataset (VOC, COCO or YOLO) with its annotation. <see cref="Objects"/> holds every object, difficult ones
/// included and flagged: evaluation needs them; training targets come from <see cref="TrainingObjects"/>.
/// An empty <see cref="Objects"/> list is a valid, background-only sample.
/// </summary>
/// <param name="Id">The image id.</param>
/// <param name="ImagePath">The image file.</param>
/// <param name="AnnotationPath">The annotation file.</param>
/// <param name="Width">Image width in pixels, from the annotation's &lt;size&gt;.</param>
/// <param name="Height">Image height in pixels, from the annotation's &lt;size&gt;.</param>
/// <param name="Objects">All objects, boxes 0-based (see <see cref="AnnotatedObject.Box"/>).</param>
public sealed record AnnotatedImage(
    string Id, string ImagePath, string AnnotationPath, int Width, int Height, IReadOnlyList<AnnotatedObject> Objects)
{
    /// <summary>The objects to train on: all of them, or all but the difficult ones (the default).</summary>
    public IReadOnlyList<AnnotatedObject> TrainingObjects(bool keepDifficult = false) =>
        keepDifficult ? Objects : Objects.Where(o => !o.Difficult).ToArray();

    /// <inheritdoc />
    public override string ToString() => $"{Id} ({ImagePath}, {Objects.Count} objects)";
}
