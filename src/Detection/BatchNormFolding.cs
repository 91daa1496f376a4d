using SsdLite.Backbone;
using SsdLite.Torch;
using SsdLite.Torch.NN;

namespace SsdLite.Detection;

/// <summary>
/// Folds every convolution + BatchNorm pair of an <see cref="SsdLiteModel"/> into one convolution with a bias, for
/// inference: with s = γ / √(running_var + ε), w' = w·s (per output channel) and b' = β + (b − running_mean)·s.
/// The result is a separate, inference-only network (<see cref="FoldedSsdLiteModel"/>) with the same outputs in eval
/// mode; the source model is not changed and can go on training. Folding uses the running statistics, so the folded
/// copy equals the source in eval mode only, and must be made again after the source's weights change. Building the
/// copy's layers draws from torch's global random generator (their default initialisation, overwritten at once).
/// </summary>
public static class BatchNormFolding
{
    /// <summary>An inference-only copy of <paramref name="model"/> with every BatchNorm folded into its convolution.</summary>
    public static FoldedSsdLiteModel Fold(SsdLiteModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var _ = torch.no_grad();
        var folded = new FoldedSsdLiteModel(model);
        var device = model.parameters().First().device;
        folded.to(device);
        folded.eval();
        return folded;
    }

    /// <summary>A sequence of Conv2d [+ BatchNorm2d] [+ ReLU6] layers, each pair folded into one biased Conv2d.</summary>
    public static Sequential FoldSequence(Sequential source, int from = 0, int to = -1)
    {
        ArgumentNullException.ThrowIfNull(source);
        var end = to < 0 ? source.Count : to;
        var result = new Sequential();
        for (var i = from; i < end; i++)
        {
            var next = i + 1 < end ? source[i + 1] : null;
            switch (source[i])
            {
                case Conv2d conv when next is BatchNorm2d bn:
                    result.Append(FoldConv(conv, bn));
                    i++;
                    break;
                case Conv2d conv:
                    result.Append(CopyConv(conv));
                    break;
                case ReLU6:
                    result.Append(new ReLU6());
                    break;
                default:
                    throw new NotSupportedException($"cannot fold a {source[i].GetType().Name} at position {i}");
            }
        }
        return result;
    }

    /// <summary>One biased convolution computing conv then BatchNorm (eval mode) of the pair.</summary>
    public static Conv2d FoldConv(Conv2d conv, BatchNorm2d bn)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        if (bn.NumFeatures != conv.OutChannels)
            throw new ArgumentException($"BatchNorm over {bn.NumFeatures} channels after a conv with {conv.OutChannels} outputs", nameof(bn));
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var target = NewLike(conv);
        var scale = bn.weight.to(ScalarType.Float64) / (bn.running_var.to(ScalarType.Float64) + bn.Eps).sqrt();
        var weight = conv.weight.to(ScalarType.Float64) * scale.reshape(-1, 1, 1, 1);
        var convBias = conv.bias is { } b ? b.to(ScalarType.Float64) : torch.zeros(new[] { conv.OutChannels }, ScalarType.Float64);
        var bias = bn.bias.to(ScalarType.Float64) + (convBias - bn.running_mean.to(ScalarType.Float64)) * scale;
        target.weight.copy_(weight);
        target.bias!.copy_(bias);
        return target;
    }

    /// <summary>A biased copy of <paramref name="conv"/> (a zero bias where it had none).</summary>
    public static Conv2d CopyConv(Conv2d conv)
    {
        using var _ = torch.no_grad();
        var target = NewLike(conv);
        target.weight.copy_(conv.weight);
        if (conv.bias is { } b) target.bias!.copy_(b);
        else target.bias!.zero_();
        return target;
    }

    private static Conv2d NewLike(Conv2d conv) =>
        new(conv.InChannels, conv.OutChannels, conv.KernelSize, conv.Stride, conv.Padding, conv.Dilation, conv.Groups, bias: true);

    internal static Sequential ConvSequence(InvertedResidual block) =>
        block.named_children().Single(c => c.Key == "conv").Value as Sequential
        ?? throw new InvalidOperationException("an inverted residual without its conv sequence");

    internal static T Child<T>(Module parent, string name) where T : Module =>
        parent.named_children().Single(c => c.Key == name).Value as T
        ?? throw new InvalidOperationException($"child '{name}' is not a {typeof(T).Name}");
}

/// <summary>An inverted residual with its BatchNorms folded: expansion (optional), then depthwise + projection.</summary>
public sealed class FoldedInvertedResidual : Module<Tensor, Tensor>, IExpansionTap
{
    /// <summary>Layers of the source's conv sequence that make the expansion (conv, BN, ReLU6).</summary>
    private const int ExpansionLayers = 3;

    private readonly Sequential? expand;
    private readonly Sequential body;

    public FoldedInvertedResidual(InvertedResidual source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var conv = BatchNormFolding.ConvSequence(source);
        UseResidual = source.UseResidual;
        var bodyStart = source.HasExpansion ? ExpansionLayers : 0;
        if (source.HasExpansion) expand = RegisterModule("expand", BatchNormFolding.FoldSequence(conv, 0, ExpansionLayers));
        body = RegisterModule("body", BatchNormFolding.FoldSequence(conv, bodyStart));
    }

    public bool UseResidual { get; }

    public override Tensor forward(Tensor input)
    {
        if (expand is null) return Finish(body.forward(input), input);
        using var expanded = expand.forward(input);
        return Finish(body.forward(expanded), input);
    }

    /// <summary>The block output and the expansion activation (the SSD-Lite stride-16 tap).</summary>
    public (Tensor output, Tensor expanded) ForwardWithExpansion(Tensor input)
    {
        if (expand is null) throw new InvalidOperationException("a block without expansion has no expansion tap");
        var expanded = expand.forward(input);
        return (Finish(body.forward(expanded), input), expanded);
    }

    private Tensor Finish(Tensor y, Tensor input)
    {
        if (!UseResidual) return y;
        var sum = input + y;
        y.Dispose();
        return sum;
    }
}

/// <summary>
/// The inference-only SSD-Lite made by <see cref="BatchNormFolding.Fold"/>: the same forward pass and outputs as its
/// source in eval mode, without any BatchNorm. Its state dict does not follow the reference's names.
/// </summary>
public sealed class FoldedSsdLiteModel : Module<Tensor, HeadOutputs>
{
    private readonly ModuleList<Module<Tensor, Tensor>> backbone;
    private readonly ModuleList<FoldedInvertedResidual> extras;
    private readonly ModuleList<Module<Tensor, Tensor>> classificationHeaders;
    private readonly ModuleList<Module<Tensor, Tensor>> regressionHeaders;

    internal FoldedSsdLiteModel(SsdLiteModel source)
    {
        Config = source.Config;
        TapBlockIndex = source.BaseNet.TapBlockIndex;
        backbone = RegisterModule("base_net", FoldBackbone(source.BaseNet));
        extras = RegisterModule("extras", new ModuleList<FoldedInvertedResidual>(
            BatchNormFolding.Child<ModuleList<InvertedResidual>>(source, "extras").Select(b => new FoldedInvertedResidual(b))));
        classificationHeaders = RegisterModule("classification_headers", FoldHeads(source, "classification_headers"));
        regressionHeaders = RegisterModule("regression_headers", FoldHeads(source, "regression_headers"));
    }

    public SsdLiteConfig Config { get; }

    public int TapBlockIndex { get; }

    private static ModuleList<Module<Tensor, Tensor>> FoldBackbone(MobileNetV2 net)
    {
        var list = new ModuleList<Module<Tensor, Tensor>>();
        for (var i = 0; i < net.Count; i++) list.Append(FoldLayer(net[i]));
        return list;
    }

    private static ModuleList<Module<Tensor, Tensor>> FoldHeads(SsdLiteModel source, string name)
    {
        var list = new ModuleList<Module<Tensor, Tensor>>();
        foreach (var head in BatchNormFolding.Child<ModuleList<Module<Tensor, Tensor>>>(source, name)) list.Append(FoldLayer(head));
        return list;
    }

    private static Module<Tensor, Tensor> FoldLayer(Module<Tensor, Tensor> layer) => layer switch
    {
        InvertedResidual block => new FoldedInvertedResidual(block),
        Sequential sequence => BatchNormFolding.FoldSequence(sequence),
        Conv2d conv => BatchNormFolding.CopyConv(conv),
        _ => throw new NotSupportedException($"cannot fold a {layer.GetType().Name}"),
    };

    public override HeadOutputs forward(Tensor input)
    {
        var (s16, s32) = MobileNetV2.ForwardTaps(backbone, TapBlockIndex, input);
        return SsdLiteHead.Predict(s16, s32, extras, classificationHeaders, regressionHeaders, Config.NumClasses);
    }
}
