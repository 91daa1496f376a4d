using SsdLite.Core;

namespace SsdLite.Backbone;

/// <summary>
/// MobileNetV2's inverted residual: 1x1 expand + BN + ReLU6 (omitted at t = 1), 3x3 depthwise (stride s) + BN + ReLU6,
/// 1x1 linear projection + BN; identity shortcut when stride is 1 and in == out. Children are laid out as the
/// reference's <c>conv</c> sequence (0 expand, 1 BN, 2 ReLU6, 3 depthwise, 4 BN, 5 ReLU6, 6 project, 7 BN).
/// </summary>
public sealed class InvertedResidual : nn.Module<Tensor, Tensor>, IExpansionTap
{
    private readonly Layers conv;

    /// <summary>
    /// A block from <paramref name="inChannels"/> to <paramref name="outChannels"/>, hidden width round(in × <paramref
    /// name="expandRatio"/>), depthwise stride <paramref name="stride"/>.
    /// </summary>
    public InvertedResidual(int inChannels, int outChannels, int stride, double expandRatio) : base(nameof(InvertedResidual))
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be 1 or 2");
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
        HiddenChannels = Channels.Hidden(inChannels, expandRatio);
        HasExpansion = expandRatio != 1;
        UseResidual = stride == 1 && inChannels == outChannels;
        conv = BuildLayers();
        register_module("conv", conv);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Channels of the depthwise convolution (the expanded width).</summary>
    public int HiddenChannels { get; }
    /// <summary>Stride of the depthwise convolution.</summary>
    public int Stride { get; }
    /// <summary>Whether the block starts with a 1x1 expansion (false when the expansion ratio is 1).</summary>
    public bool HasExpansion { get; }
    /// <summary>Whether the input is added to the output (stride 1 and equal channels).</summary>
    public bool UseResidual { get; }

    private Layers BuildLayers()
    {
        var s = new Layers();
        if (HasExpansion)
        {
            s.Append(nn.Conv2d(InChannels, HiddenChannels, 1, bias: false)).Append(new HeldScalarBatchNorm2d(HiddenChannels)).Append(nn.ReLU6(inplace: true));
        }
        s.Append(nn.Conv2d(HiddenChannels, HiddenChannels, 3, Stride, 1, groups: HiddenChannels, bias: false))
         .Append(new HeldScalarBatchNorm2d(HiddenChannels)).Append(nn.ReLU6(inplace: true))
         .Append(nn.Conv2d(HiddenChannels, OutChannels, 1, bias: false)).Append(new HeldScalarBatchNorm2d(OutChannels));
        return s;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => ForwardFrom(input, 0, input);

    /// <summary>
    /// Returns the block output and the expansion activation (after the expand conv + BN + ReLU6, before the
    /// depthwise conv): the SSD-Lite feature tap on block 14.
    /// </summary>
    public (Tensor output, Tensor expanded) ForwardWithExpansion(Tensor input)
    {
        if (!HasExpansion) throw new InvalidOperationException("a block without expansion has no expansion tap");
        var expanded = conv.forward(input, 0, 3);
        return (ForwardFrom(expanded, 3, input), expanded);
    }

    private Tensor ForwardFrom(Tensor x, int firstLayer, Tensor blockInput)
    {
        var y = conv.forward(x, firstLayer, conv.Count);
        if (!UseResidual) return y;
        // An explicit alpha: TorchSharp's + would pass a temporary Scalar the finalizer can free mid-call.
        var sum = blockInput.add(y, HeldScalars.One);
        y.Dispose();
        return sum;
    }
}
