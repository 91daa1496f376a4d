using SsdLite.Data;
using SsdLite.Data.Augmentation;
using SsdLite.Vision;

namespace SsdLite.Tools.Training;

/// <summary>
/// The loader's sample transform for VOC training: decode, SSD augmentation seeded from the loader's
/// per-sample seed (so an epoch's batches depend only on seed, epoch and sample), boxes relative to the input.
/// </summary>
public sealed class VocTrainingTransform
{
    private readonly SsdAugmentation augmentation;
    private readonly bool keepDifficult;

    public VocTrainingTransform(SsdAugmentation augmentation, bool keepDifficult)
    {
        ArgumentNullException.ThrowIfNull(augmentation);
        this.augmentation = augmentation;
        this.keepDifficult = keepDifficult;
    }

    public SampleTargets Apply(AnnotatedImage sample, ulong seed, Span<float> imageOut)
    {
        var image = ImageIO.Read(sample.ImagePath);
        var boxes = PixelBoxes(sample.TrainingObjects(keepDifficult));
        var kept = augmentation.Apply(image, boxes, new Random(unchecked((int)seed)), imageOut);
        return ToTargets(kept);
    }

    // BoxF is already 0-based pixel corners, the convention the augmentations work in.
    private static BoxLabel[] PixelBoxes(IReadOnlyList<AnnotatedObject> objects)
    {
        var boxes = new BoxLabel[objects.Count];
        for (var i = 0; i < boxes.Length; i++)
        {
            var o = objects[i];
            boxes[i] = new BoxLabel(o.Box.XMin, o.Box.YMin, o.Box.XMax, o.Box.YMax, o.ClassId, o.Difficult);
        }
        return boxes;
    }

    private static SampleTargets ToTargets(BoxLabel[] kept)
    {
        var rel = new float[kept.Length * 4];
        var labels = new int[kept.Length];
        var difficult = new bool[kept.Length];
        for (var i = 0; i < kept.Length; i++)
        {
            var b = kept[i];
            rel[4 * i] = b.XMin;
            rel[4 * i + 1] = b.YMin;
            rel[4 * i + 2] = b.XMax;
            rel[4 * i + 3] = b.YMax;
            labels[i] = b.Label;
            difficult[i] = b.Difficult;
        }
        return new SampleTargets(rel, labels, difficult);
    }
}
