using SsdLite.Backbone;
using SsdLite.Core;
using TorchSharp.Utils;

namespace SsdLite.Detection.Models;

/// <summary>
/// Folds every convolution + BatchNorm pair of an <see cref="SsdLiteModel"/> (any architecture) into one convolution with a bias, for
/// inference: with s = γ / √(running_var + ε), w' = w·s (per output channel) and b' = β + (b − running_mean)·s.
/// The result is a separate, inference-only network (<see cref="FoldedSsdLiteModel"/>) with the same outputs in eval
/// mode; the source model is not changed and can go on training. Folding uses the running statistics, so the folded
/// copy equals the source in eval mode only, and must be made again after the source's weights change. Building the
/// copy's layers draws from torch's global random generator (their default initialisation, overwritten at once).
/// </summary>
public static class BatchNormFolding
{
    /// <summary>An inference-only copy of <paramref name="model"/> with every BatchNorm folded into its convolution, on the model's device.</summary>
    public static FoldedSsdLiteModel Fold(SsdLiteModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var _ = no_grad();
        var folded = new FoldedSsdLiteModel(model);
        folded.eval();
        return folded;
    }

    /// <summary>
    /// A run of Conv2d [+ BatchNorm2d] [+ ReLU6 or ReLU] layers, each pair folded into one biased Conv2d; a nested run
    /// (the MobileNetV1 SSD-Lite extras' separable stage) is folded in place.
    /// </summary>
    public static Layers FoldSequence(Layers source, int from = 0, int to = -1)
    {
        ArgumentNullException.ThrowIfNull(source);
        var end = to < 0 ? source.Count : to;
        var result = new Layers();
        for (var i = from; i < end; i++)
        {
            var next = i + 1 < end ? source[i + 1] : null;
            switch (source[i])
            {
                case Conv2d conv when next is BatchNorm bn:
                    result.Append(FoldConv(conv, bn));
                    i++;
                    break;
                case Conv2d conv:
                    result.Append(CopyConv(conv));
                    break;
                case ReLU6:
                    result.Append(nn.ReLU6());
                    break;
                case ReLU:
                    result.Append(nn.ReLU());
                    break;
                case Layers nested:
                    result.Append(FoldSequence(nested));
                    break;
                default:
                    throw new NotSupportedException($"cannot fold a {source[i].GetType().Name} at position {i}");
            }
        }
        return result;
    }

    /// <summary>One biased convolution computing conv then BatchNorm (eval mode) of the pair, on the conv's device.</summary>
    public static Conv2d FoldConv(Conv2d conv, BatchNorm bn)
    {
        ArgumentNullException.ThrowIfNull(conv);
        ArgumentNullException.ThrowIfNull(bn);
        if (bn.num_features != conv.out_channels)
            throw new ArgumentException($"BatchNorm over {bn.num_features} channels after a conv with {conv.out_channels} outputs", nameof(bn));
        var (runningMean, runningVar) = (bn.running_mean, bn.running_var);
        if (runningMean is null || runningVar is null)
            throw new ArgumentException("a BatchNorm without running statistics cannot be folded", nameof(bn));
        var target = NewLike(conv);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        // In float64, so the folded weights round once, to float32, as the eval-mode pair's output would.
        var f64 = ScalarType.Float64;
        var gamma = bn.weight is null ? ones(conv.out_channels, f64, conv.weight.device) : bn.weight.to(f64);
        var beta = bn.bias is null ? zeros(conv.out_channels, f64, conv.weight.device) : bn.bias.to(f64);
        var scale = gamma / (runningVar.to(f64) + bn.eps).sqrt();
        var weight = conv.weight.to(f64) * scale.reshape(-1, 1, 1, 1);
        var convBias = conv.bias is { } b ? b.to(f64) : zeros(conv.out_channels, f64, conv.weight.device);
        var bias = beta + (convBias - runningMean.to(f64)) * scale;
        target.weight.copy_(weight);
        target.bias!.copy_(bias);
        return target;
    }

    /// <summary>A biased copy of <paramref name="conv"/> (a zero bias where it had none).</summary>
    public static Conv2d CopyConv(Conv2d conv)
    {
        ArgumentNullException.ThrowIfNull(conv);
        var target = NewLike(conv);
        using var _ = no_grad();
        target.weight.copy_(conv.weight);
        if (conv.bias is { } b) target.bias!.copy_(b);
        else target.bias!.zero_();
        return target;
    }

    private static Conv2d NewLike(Conv2d conv)
    {
        var k = conv.kernel_size;
        var s = conv.stride;
        var p = conv.padding ?? throw new NotSupportedException("cannot fold a convolution with 'same' or 'valid' padding");
        var d = conv.dilation;
        return nn.Conv2d(conv.in_channels, conv.out_channels, (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]),
            dilation: (d[0], d[1]), padding_mode: conv.padding_mode, groups: conv.groups, bias: true,
            device: conv.weight.device, dtype: conv.weight.dtype);
    }

    internal static Layers ConvSequence(InvertedResidual block) => Child<Layers>(block, "conv");

    internal static T Child<T>(nn.Module parent, string name) where T : nn.Module =>
        parent.named_children().Single(c => c.name == name).module as T
        ?? throw new InvalidOperationException($"child '{name}' is not a {typeof(T).Name}");
}

/// <summary>An inverted residual with its BatchNorms folded: expansion (optional), then depthwise + projection.</summary>
public sealed class FoldedInvertedResidual : nn.Module<Tensor, Tensor>, IExpansionTap
{
    /// <summary>Layers of the source's conv sequence that make the expansion (conv, BN, ReLU6).</summary>
    private const int ExpansionLayers = 3;

    [ComponentName(Name = "expand")]
    private readonly Layers? expand;

    [ComponentName(Name = "body")]
    private readonly Layers body;

    /// <summary>
    /// The folded copy of <paramref name="source"/>: each convolution carries its BatchNorm in its weights and bias.
    /// </summary>
    public FoldedInvertedResidual(InvertedResidual source) : base(nameof(FoldedInvertedResidual))
    {
        ArgumentNullException.ThrowIfNull(source);
        var conv = BatchNormFolding.ConvSequence(source);
        UseResidual = source.UseResidual;
        var bodyStart = source.HasExpansion ? ExpansionLayers : 0;
        if (source.HasExpansion)
        {
            expand = BatchNormFolding.FoldSequence(conv, 0, ExpansionLayers);
            register_module("expand", expand);
        }
        body = BatchNormFolding.FoldSequence(conv, bodyStart);
        register_module("body", body);
    }

    /// <summary>Whether the input is added to the output.</summary>
    public bool UseResidual { get; }

    /// <summary>The expansion (1x1 conv + ReLU6), or null for a block without one; for exporters that walk the layers.</summary>
    public Layers? Expansion => expand;

    /// <summary>Depthwise conv + ReLU6 + projection, after the expansion.</summary>
    public Layers Body => body;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (expand is null) return Finish(body.forward(input), input);
        using var expanded = expand.forward(input);
        return Finish(body.forward(expanded), input);
    }

    /// <summary>The block output and the expansion activation (the SSD-Lite stride-16 tap); the caller owns both.</summary>
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
/// The inference-only detector made by <see cref="BatchNormFolding.Fold"/>: the same forward pass and outputs as its
/// source in eval mode, without any BatchNorm. Its state dict does not follow the reference's names.
/// </summary>
public sealed class FoldedSsdLiteModel : nn.Module<Tensor, HeadOutputs>
{
    [ComponentName(Name = "base_net")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> backbone;

    [ComponentName(Name = "extras")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> extras;

    [ComponentName(Name = "classification_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> classificationHeaders;

    [ComponentName(Name = "regression_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> regressionHeaders;

    private readonly nn.Module<Tensor, Tensor>[] backboneRun;
    private readonly nn.Module<Tensor, Tensor>[] extrasRun;
    private readonly nn.Module<Tensor, Tensor>[] classificationRun;
    private readonly nn.Module<Tensor, Tensor>[] regressionRun;

    internal FoldedSsdLiteModel(SsdLiteModel source) : base(nameof(FoldedSsdLiteModel))
    {
        Config = source.Config;
        Tap = source.BaseNet.Tap;
        backbone = nn.ModuleList(source.BaseNet.Items.Select(FoldLayer).ToArray());
        extras = nn.ModuleList(source.ExtraBlocks.Select(FoldLayer).ToArray());
        classificationHeaders = nn.ModuleList(source.ClassificationHeaders.Select(FoldLayer).ToArray());
        regressionHeaders = nn.ModuleList(source.RegressionHeaders.Select(FoldLayer).ToArray());
        register_module("base_net", backbone);
        register_module("extras", extras);
        register_module("classification_headers", classificationHeaders);
        register_module("regression_headers", regressionHeaders);
        backboneRun = [.. backbone];
        extrasRun = [.. extras];
        classificationRun = [.. classificationHeaders];
        regressionRun = [.. regressionHeaders];
    }

    /// <summary>The configuration of the model this was folded from.</summary>
    public SsdLiteConfig Config { get; }

    /// <summary>The source backbone's stride-16 tap, read at the same place in the folded layers.</summary>
    public FeatureTap Tap { get; }

    /// <summary>The folded backbone layers, in order (read-only views, for exporters that walk the network).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> BackboneLayers => backboneRun;

    /// <summary>The folded extra blocks, in source order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> ExtraBlocks => extrasRun;

    /// <summary>The folded classification heads, one per source.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> ClassificationHeads => classificationRun;

    /// <summary>The folded regression heads, one per source.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> RegressionHeads => regressionRun;

    private static nn.Module<Tensor, Tensor> FoldLayer(nn.Module<Tensor, Tensor> layer) => layer switch
    {
        InvertedResidual block => new FoldedInvertedResidual(block),
        Layers sequence => BatchNormFolding.FoldSequence(sequence),
        Conv2d conv => BatchNormFolding.CopyConv(conv),
        _ => throw new NotSupportedException($"cannot fold a {layer.GetType().Name}"),
    };

    /// <inheritdoc />
    public override HeadOutputs forward(Tensor input)
    {
        var (s16, s32) = Tap.Forward(backboneRun, input);
        return SsdLiteHead.Predict(s16, s32, extrasRun, classificationRun, regressionRun, Config.ClassCountWithBackground);
    }
}
