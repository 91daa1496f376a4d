using SsdLite.Backbone;
using SsdLite.Core;

namespace SsdLite.Detection.Models;

/// <summary>One block after the backbone and the channels of its output, the next source.</summary>
public readonly record struct ExtraBlock(nn.Module<Tensor, Tensor> Block, int OutChannels);

/// <summary>
/// What differs between the architectures: the backbone with its two taps, the extra blocks after it, and the
/// prediction head of one source, with the reference's module layouts (so its key names). Everything else, the
/// forward pass, priors, coder, matcher, loss, post-processing and BatchNorm folding, is shared by
/// <see cref="SsdLiteModel"/> and its callers.
/// </summary>
public abstract class ArchBuilder
{
    /// <summary>The builder of <paramref name="arch"/>.</summary>
    public static ArchBuilder For(SsdArch arch) => arch switch
    {
        SsdArch.Mb2SsdLite => new Mb2SsdLiteBuilder(),
        SsdArch.Mb1SsdLite => new Mb1SsdLiteBuilder(),
        SsdArch.Mb1Ssd => new Mb1SsdBuilder(),
        _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "unknown architecture"),
    };

    /// <summary>The architecture this builder makes.</summary>
    public abstract SsdArch Arch { get; }

    /// <summary>The backbone at width multiplier <paramref name="width"/>.</summary>
    public abstract FeatureBackbone Backbone(double width, ChannelRounding rounding);

    /// <summary>The stride-2 blocks after the backbone, in order, starting from its last output's channels.</summary>
    public abstract IReadOnlyList<ExtraBlock> Extras(int inChannels);

    /// <summary>The head of one source; <paramref name="lastSource"/> is the one on the 1x1 map.</summary>
    public abstract nn.Module<Tensor, Tensor> Head(int inChannels, int outChannels, bool lastSource);

    /// <summary>One head per source, in a list whose items are named 0, 1, … once it is registered.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> Heads(IReadOnlyList<int> sourceChannels, int valuesPerPrior, int priorsPerCell)
    {
        ArgumentNullException.ThrowIfNull(sourceChannels);
        var heads = new nn.Module<Tensor, Tensor>[sourceChannels.Count];
        for (var k = 0; k < heads.Length; k++) heads[k] = Head(sourceChannels[k], priorsPerCell * valuesPerPrior, k == heads.Length - 1);
        return nn.ModuleList(heads);
    }
}

/// <summary>
/// MobileNetV2 SSD-Lite: the backbone's block-14 expansion tap, four stride-2 inverted residuals as extras, separable
/// heads with BatchNorm and ReLU6 (<see cref="SsdLiteHead.Separable"/>), the last head a plain 1x1 conv.
/// </summary>
public sealed class Mb2SsdLiteBuilder : ArchBuilder
{
    /// <summary>(output channels, expansion t) of the extras: 1280→512 (0.2), 512→256 (0.25), 256→256 (0.5), 256→64 (0.25).</summary>
    public static readonly IReadOnlyList<(int Out, double T)> ExtrasTable = [(512, 0.2), (256, 0.25), (256, 0.5), (64, 0.25)];

    /// <inheritdoc />
    public override SsdArch Arch => SsdArch.Mb2SsdLite;

    /// <inheritdoc />
    public override FeatureBackbone Backbone(double width, ChannelRounding rounding) => new MobileNetV2(width, rounding);

    /// <inheritdoc />
    public override IReadOnlyList<ExtraBlock> Extras(int inChannels)
    {
        var blocks = new List<ExtraBlock>();
        var c = inChannels;
        foreach (var (output, t) in ExtrasTable)
        {
            blocks.Add(new ExtraBlock(new InvertedResidual(c, output, 2, t), output));
            c = output;
        }
        return blocks;
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Head(int inChannels, int outChannels, bool lastSource) =>
        lastSource ? nn.Conv2d(inChannels, outChannels, 1) : SsdLiteHead.Separable(inChannels, outChannels);
}

/// <summary>
/// The MobileNetV1 detectors: the output of block 11 and the last block as sources, then four extras, each a 1x1
/// conv + ReLU narrowing to a hidden width and a 3x3 stride-2 stage to the next source's channels.
/// </summary>
public abstract class Mb1Builder : ArchBuilder
{
    /// <summary>(hidden, output) channels of the four extras; fixed, whatever the backbone's width.</summary>
    public static readonly IReadOnlyList<(int Hidden, int Out)> ExtrasTable = [(256, 512), (128, 256), (128, 256), (128, 256)];

    /// <inheritdoc />
    public override FeatureBackbone Backbone(double width, ChannelRounding rounding) => new MobileNetV1(width, rounding);

    /// <inheritdoc />
    public override IReadOnlyList<ExtraBlock> Extras(int inChannels)
    {
        var blocks = new List<ExtraBlock>();
        var c = inChannels;
        foreach (var (hidden, output) in ExtrasTable)
        {
            blocks.Add(new ExtraBlock(Extra(c, hidden, output), output));
            c = output;
        }
        return blocks;
    }

    /// <summary>Children 0 (1x1 conv), 1 (ReLU), 2 (the stride-2 stage), … as the reference's sequence.</summary>
    protected abstract Layers Extra(int inChannels, int hidden, int outChannels);
}

/// <summary>MobileNetV1 SSD: plain convs with biases throughout; every head is a 3x3 conv, the last one's too.</summary>
public sealed class Mb1SsdBuilder : Mb1Builder
{
    /// <inheritdoc />
    public override SsdArch Arch => SsdArch.Mb1Ssd;

    /// <inheritdoc />
    protected override Layers Extra(int inChannels, int hidden, int outChannels) =>
        new(nn.Conv2d(inChannels, hidden, 1), nn.ReLU(inplace: true), nn.Conv2d(hidden, outChannels, 3, 2, 1), nn.ReLU(inplace: true));

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Head(int inChannels, int outChannels, bool lastSource) =>
        nn.Conv2d(inChannels, outChannels, 3, padding: 1);
}

/// <summary>
/// MobileNetV1 SSD-Lite: the extras' 3x3 stage and the heads are separable (depthwise 3x3 + ReLU + 1x1, biases,
/// no BatchNorm); an extra ends with its 1x1 conv, no activation; the last head is a plain 1x1 conv.
/// </summary>
public sealed class Mb1SsdLiteBuilder : Mb1Builder
{
    /// <inheritdoc />
    public override SsdArch Arch => SsdArch.Mb1SsdLite;

    /// <summary>Children 0 (depthwise), 1 (ReLU), 2 (pointwise), as the reference's <c>SeperableConv2d</c>.</summary>
    public static Layers Separable(int inChannels, int outChannels, int stride = 1) =>
        new(nn.Conv2d(inChannels, inChannels, 3, stride, 1, groups: inChannels), nn.ReLU(inplace: true), nn.Conv2d(inChannels, outChannels, 1));

    /// <inheritdoc />
    protected override Layers Extra(int inChannels, int hidden, int outChannels) =>
        new(nn.Conv2d(inChannels, hidden, 1), nn.ReLU(inplace: true), Separable(hidden, outChannels, 2));

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Head(int inChannels, int outChannels, bool lastSource) =>
        lastSource ? nn.Conv2d(inChannels, outChannels, 1) : Separable(inChannels, outChannels);
}
