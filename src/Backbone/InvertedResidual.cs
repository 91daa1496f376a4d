namespace SsdLite.Backbone;

/// <summary>
/// MobileNetV2's inverted residual: 1x1 expand + BN + ReLU6 (omitted at t = 1), 3x3 depthwise (stride s) + BN + ReLU6,
/// 1x1 linear projection + BN; identity shortcut when stride is 1 and in == out. Children are laid out as the
/// reference's <c>conv</c> sequence (0 expand, 1 BN, 2 ReLU6, 3 depthwise, 4 BN, 5 ReLU6, 6 project, 7 BN).
/// </summary>
public sealed class InvertedResidual : nn.Module<Tensor, Tensor>, IExpansionTap
{
    private readonly Layers conv;

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

    public int InChannels { get; }
    public int OutChannels { get; }
    public int HiddenChannels { get; }
    public int Stride { get; }
    public bool HasExpansion { get; }
    public bool UseResidual { get; }

    private Layers BuildLayers()
    {
        var s = new Layers();
        if (HasExpansion)
        {
            s.Append(nn.Conv2d(InChannels, HiddenChannels, 1, bias: false)).Append(new HeldScalarBatchNorm2d(HiddenChannels)).Append(nn.ReLU6());
        }
        s.Append(nn.Conv2d(HiddenChannels, HiddenChannels, 3, Stride, 1, groups: HiddenChannels, bias: false))
         .Append(new HeldScalarBatchNorm2d(HiddenChannels)).Append(nn.ReLU6())
         .Append(nn.Conv2d(HiddenChannels, OutChannels, 1, bias: false)).Append(new HeldScalarBatchNorm2d(OutChannels));
        return s;
    }

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
