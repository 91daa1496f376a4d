using SsdLite.Detection.Models;
using SsdLite.Core;

namespace SsdLite.Tools.Weights;

/// <summary>What a published weights file holds, and so how it is loaded and checked.</summary>
public enum PublishedKind
{
    /// <summary>A whole detector (VOC: background + 20 classes), loaded by <c>--weights</c> or fine-tuned by <c>--pretrained</c>.</summary>
    Detector,

    /// <summary>An ImageNet backbone (a classifier's state dict), loaded into base_net by <c>--pretrained</c>.</summary>
    Backbone,
}

/// <summary>
/// One published weights file. Its name is the file's stem, so a user who knows the file knows the name.
/// </summary>
/// <param name="Name">The file's stem (<c>mobilenet_v2-b0353104</c>).</param>
/// <param name="FileName">The published file name, also its name in the cache and in a mirror.</param>
/// <param name="Urls">Where it is published, tried in order.</param>
/// <param name="Sha256">Its SHA-256 where one can be established; null where none was published or checked.</param>
/// <param name="Arch">The architecture it belongs to (a backbone: the detector that takes it).</param>
/// <param name="Kind">A whole detector or a backbone.</param>
/// <param name="Description">One line for <c>ssdlite weights list</c>.</param>
/// <param name="HashNote">Where <see cref="Sha256"/> comes from, or why there is none.</param>
public sealed record PublishedWeights(string Name, string FileName, IReadOnlyList<string> Urls, string? Sha256, SsdArch Arch,
    PublishedKind Kind, string Description, string HashNote)
{
    /// <summary>
    /// torchvision's rule: a file named NAME-HHHHHHHH.pth carries the first 8 hex digits of its SHA-256 as HHHHHHHH;
    /// null when the name has no such suffix.
    /// </summary>
    public string? HashPrefix
    {
        get
        {
            var dash = Name.LastIndexOf('-');
            var tail = dash < 0 ? "" : Name[(dash + 1)..];
            return tail.Length == 8 && tail.All(char.IsAsciiHexDigitLower) ? tail : null;
        }
    }
}

/// <summary>
/// The table of published weights that <c>--pretrained NAME</c> and <c>--weights NAME</c> find by name. The reference's
/// files were published without hashes and this project could not download them when the table was written (no
/// network), so they carry none: after a download each is checked by loading it strictly as its architecture, and
/// the SHA-256 it had is recorded beside it in the cache, so a later change of the cached file is caught.
/// </summary>
public static class WeightsTable
{
    private const string Hao = "https://storage.googleapis.com/models-hao/";
    private const string Archive = "https://github.com/fa0311/pytorch-ssd-archive-model/releases/download/v0.0.1/";
    private const string Unpinned = "published without a hash; not pinned (it could not be downloaded when this table was written): " +
        "checked by a strict load as its architecture after download";

    /// <summary>Every entry, in the order <c>ssdlite weights list</c> shows them.</summary>
    public static IReadOnlyList<PublishedWeights> All { get; } =
    [
        new("mobilenet_v2-b0353104", "mobilenet_v2-b0353104.pth", ["https://download.pytorch.org/models/mobilenet_v2-b0353104.pth"],
            "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889", SsdArch.Mb2SsdLite, PublishedKind.Backbone,
            "torchvision's ImageNet MobileNetV2 (71.9% top-1), the base net for mb2-ssd-lite",
            "SHA-256 as several independent sources give it; its first 8 digits are the name's suffix, as torchvision checks"),
        new("mb2-ssd-lite-mp-0_686", "mb2-ssd-lite-mp-0_686.pth", [Hao + "mb2-ssd-lite-mp-0_686.pth", Archive + "mb2-ssd-lite-mp-0_686.pth"],
            null, SsdArch.Mb2SsdLite, PublishedKind.Detector, "the reference's MobileNetV2 SSD-Lite on VOC (mAP 0.686)", Unpinned),
        new("mobilenet-v1-ssd-mp-0_675", "mobilenet-v1-ssd-mp-0_675.pth", [Hao + "mobilenet-v1-ssd-mp-0_675.pth", Archive + "mobilenet-v1-ssd-mp-0_675.pth"],
            null, SsdArch.Mb1Ssd, PublishedKind.Detector, "the reference's MobileNetV1 SSD on VOC (mAP 0.675)", Unpinned),
        new("mb2-imagenet-71_8", "mb2-imagenet-71_8.pth", [Hao + "mb2-imagenet-71_8.pth"], null, SsdArch.Mb2SsdLite, PublishedKind.Backbone,
            "the reference's ImageNet MobileNetV2 (71.8% top-1, its own key names), the base its mb2-ssd-lite started from", Unpinned),
        new("mobilenet_v1_with_relu_69_5", "mobilenet_v1_with_relu_69_5.pth", [Hao + "mobilenet_v1_with_relu_69_5.pth"], null, SsdArch.Mb1Ssd,
            PublishedKind.Backbone, "the reference's ImageNet MobileNetV1 (69.5% top-1), the base net for mb1-ssd and mb1-ssd-lite", Unpinned),
    ];

    /// <summary>The entry named <paramref name="name"/> (its stem, or its file name); null if there is none.</summary>
    public static PublishedWeights? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(w => w.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || w.FileName.Equals(name, StringComparison.OrdinalIgnoreCase));
    }
}
