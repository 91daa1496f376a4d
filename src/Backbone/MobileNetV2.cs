using SsdLite.Core;

namespace SsdLite.Backbone;

/// <summary>One stage of the MobileNetV2 table: expansion t, output channels c, repeats n, first stride s.</summary>
public readonly record struct Stage(double T, int C, int N, int S);

/// <summary>
/// MobileNetV2 features (the reference's <c>base_net</c>, torchvision's <c>features</c>): children 0 (3x3 s2 conv),
/// 1…17 (inverted residuals), 18 (1x1 conv to the last channel count). Taps are named, not indexed.
/// </summary>
public sealed class MobileNetV2 : FeatureBackbone
{
    /// <summary>(t, c, n, s) of the paper's table.</summary>
    public static readonly IReadOnlyList<Stage> Stages = new Stage[]
    {
        new(1, 16, 1, 1), new(6, 24, 2, 2), new(6, 32, 3, 2), new(6, 64, 4, 2),
        new(6, 96, 3, 1), new(6, 160, 3, 2), new(6, 320, 1, 1),
    };

    private const int StemChannels = 32;
    private const int LastChannels = 1280;

    /// <summary>The stage whose first block's expansion is the stride-16 SSD-Lite tap (the 160-channel one).</summary>
    private const int TapStageChannels = 160;

    /// <summary>
    /// MobileNetV2 features at width multiplier <paramref name="width"/>, channels rounded by <paramref
    /// name="rounding"/>.
    /// </summary>
    public MobileNetV2(double width = 1.0, ChannelRounding rounding = ChannelRounding.MakeDivisible)
        : base(nameof(MobileNetV2), width, rounding)
    {
        var input = Channels.Scale(StemChannels, width, rounding);
        Add(ConvBnReLU6(3, input, 3, 2));
        var tapBlock = -1;
        foreach (var stage in Stages)
        {
            var output = Channels.Scale(stage.C, width, rounding);
            if (stage.C == TapStageChannels) tapBlock = Count;
            for (var i = 0; i < stage.N; i++)
            {
                Add(new InvertedResidual(input, output, i == 0 ? stage.S : 1, stage.T));
                input = output;
            }
        }
        LastChannelCount = width > 1 ? Channels.Scale(LastChannels, width, rounding) : LastChannels;
        Add(ConvBnReLU6(input, LastChannelCount, 1, 1));
        Tap = FeatureTap.ExpansionOf(tapBlock);
        TapChannels = ((InvertedResidual)this[tapBlock]).HiddenChannels;
        InitializeWeights();
    }

    /// <summary>Index of the block whose expansion activation is the stride-16 tap (14 in the reference table).</summary>
    public int TapBlockIndex => Tap.Layer;

    internal static Layers ConvBnReLU6(int inChannels, int outChannels, int kernel, int stride) =>
        new(nn.Conv2d(inChannels, outChannels, kernel, stride, (kernel - 1) / 2, bias: false), new HeldScalarBatchNorm2d(outChannels), nn.ReLU6(inplace: true));

    /// <summary>
    /// The tap traversal over any layer list of this shape (the model's, or an inference copy's whose block at
    /// <paramref name="tapBlockIndex"/> is also an <see cref="IExpansionTap"/>).
    /// </summary>
    public static (Tensor stride16, Tensor stride32) ForwardTaps(IReadOnlyList<nn.Module<Tensor, Tensor>> layers, int tapBlockIndex, Tensor input) =>
        FeatureTap.ExpansionOf(tapBlockIndex).Forward(layers, input);
}
