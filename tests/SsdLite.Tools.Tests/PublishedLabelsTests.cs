using SsdLite.Tools.Weights;

namespace SsdLite.Tools.Tests;

/// <summary>The reference's published VOC detectors name their classes as its voc-model-labels.txt does, so --weights NAME needs no --labels.</summary>
public sealed class PublishedLabelsTests
{
    // The reference's voc-model-labels.txt after its BACKGROUND line, typed out from its VOC dataset's class_names.
    private static readonly string[] VocModelLabels =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse",
        "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    [Theory]
    [InlineData("/cache/weights/mb2-ssd-lite-mp-0_686.pth")]
    [InlineData("mobilenet-v1-ssd-mp-0_675.pth")]
    public void ThePublishedDetectorsCarryTheVocClassesInTheReferencesOrder(string path)
    {
        Assert.Equal(VocModelLabels, WeightsTable.LabelsFor(path));
    }

    [Theory]
    [InlineData("/cache/weights/mobilenet_v2-b0353104.pth")] // a backbone: no classes
    [InlineData("runs/voc/checkpoints/best.ckpt")]
    [InlineData("/models/mb2-ssd-lite-mp-0_686")] // the stem without the published file's extension is not that file
    public void OtherFilesHaveNoneAndTakeTheirLabelsFromTheLabelsOption(string path)
    {
        Assert.Null(WeightsTable.LabelsFor(path));
    }
}
