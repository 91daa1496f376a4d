using SsdLite.Core;

namespace SsdLite.Backbone;

/// <summary>One depthwise-separable block of the MobileNetV1 table: output channels and the depthwise conv's stride.</summary>
public readonly record struct SeparableBlock(int C, int S);

/// <summary>
/// MobileNetV1 features (the reference's <c>base_net</c>, its MobileNetV1's <c>model</c> sequence): child 0 is a
/// 3x3 stride-2 conv + BN + ReLU, children 1…13 depthwise-separable blocks, each laid out as the reference's
/// sequence (0 depthwise 3x3, 1 BN, 2 ReLU, 3 pointwise 1x1, 4 BN, 5 ReLU). Convs have no bias. Channels scale with
/// the width multiplier α and round as MobileNetV2's do.
/// </summary>
public sealed class MobileNetV1 : FeatureBackbone
{
    /// <summary>(output channels, stride) of blocks 1…13, the paper's table.</summary>
    public static readonly IReadOnlyList<SeparableBlock> Blocks = new SeparableBlock[]
    {
        new(64, 1), new(128, 2), new(128, 1), new(256, 2), new(256, 1), new(512, 2),
        new(512, 1), new(512, 1), new(512, 1), new(512, 1), new(512, 1),
        new(1024, 2), new(1024, 1),
    };

    private const int StemChannels = 32;

    /// <summary>The block whose output is the stride-16 source: the last 512-channel one, before the stride-2 block 12.</summary>
    private const int TapBlock = 11;

    /// <summary>
    /// MobileNetV1 features at width multiplier <paramref name="width"/>, channels rounded by <paramref
    /// name="rounding"/>.
    /// </summary>
    public MobileNetV1(double width = 1.0, ChannelRounding rounding = ChannelRounding.MakeDivisible)
        : base(nameof(MobileNetV1), width, rounding)
    {
        var input = Channels.Scale(StemChannels, width, rounding);
        Add(new Layers(nn.Conv2d(3, input, 3, 2, 1, bias: false), new HeldScalarBatchNorm2d(input), nn.ReLU(inplace: true)));
        foreach (var block in Blocks)
        {
            var output = Channels.Scale(block.C, width, rounding);
            Add(DepthwiseSeparable(input, output, block.S));
            if (Count - 1 == TapBlock) TapChannels = output;
            input = output;
        }
        Tap = FeatureTap.OutputOf(TapBlock);
        LastChannelCount = input;
        InitializeWeights();
    }

    /// <summary>Depthwise 3x3 (stride s) + BN + ReLU, then pointwise 1x1 + BN + ReLU.</summary>
    public static Layers DepthwiseSeparable(int inChannels, int outChannels, int stride)
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be 1 or 2");
        return new Layers(
            nn.Conv2d(inChannels, inChannels, 3, stride, 1, groups: inChannels, bias: false), new HeldScalarBatchNorm2d(inChannels), nn.ReLU(inplace: true),
            nn.Conv2d(inChannels, outChannels, 1, bias: false), new HeldScalarBatchNorm2d(outChannels), nn.ReLU(inplace: true));
    }
}

/// <summary>
/// The reference's ImageNet MobileNetV1: <c>model</c> (<see cref="MobileNetV1"/>), global average pool, <c>fc</c>
/// (linear). Its state dict is the reference's key for key, so an ImageNet MobileNetV1 trained there loads here.
/// </summary>
public sealed class MobileNetV1Classifier : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// The ImageNet classifier: the features, global average pooling and a linear layer to <paramref
    /// name="numClasses"/>.
    /// </summary>
    public MobileNetV1Classifier(int numClasses = 1000, double width = 1.0, ChannelRounding rounding = ChannelRounding.MakeDivisible)
        : base(nameof(MobileNetV1Classifier))
    {
        model = new MobileNetV1(width, rounding);
        fc = nn.Linear(model.LastChannelCount, numClasses);
        register_module("model", model);
        register_module("fc", fc);
        Initializers.ConvFanOutBatchNormUnit(fc);
    }

    /// <summary>The features (the reference's <c>model</c>).</summary>
    public MobileNetV1 model { get; }

    /// <summary>The final linear layer (the reference's <c>fc</c>).</summary>
    public Linear fc { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var x = model.forward(input);
        // The reference pools with a fixed 7x7 window, which equals the global average at 224 px only.
        using var pooled = F.adaptive_avg_pool2d(x, (1, 1));
        using var flat = pooled.flatten(1);
        return fc.forward(flat);
    }
}
