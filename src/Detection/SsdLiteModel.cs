using SsdLite.Backbone;
using TorchSharp.Utils;

namespace SsdLite.Detection;

/// <summary>Raw head outputs: confidences (N, P, C) as logits and locations (N, P, 4) as encoded offsets.</summary>
public sealed record HeadOutputs(Tensor Confidences, Tensor Locations) : IDisposable
{
    public void Dispose()
    {
        Confidences.Dispose();
        Locations.Dispose();
    }
}

/// <summary>
/// MobileNetV2 SSD-Lite with the reference's module names (<c>base_net</c>, <c>extras</c>,
/// <c>classification_headers</c>, <c>regression_headers</c>), so its state dicts load key for key and
/// <see cref="state_dict"/> lists them in the reference's order.
/// </summary>
public sealed class SsdLiteModel : nn.Module<Tensor, HeadOutputs>
{
    // Fields carry the registered names: TorchSharp registers a module-typed field under its own name when this
    // model becomes another module's child, and a second name would duplicate every key.
    [ComponentName(Name = "base_net")]
    private readonly MobileNetV2 baseNet;

    [ComponentName(Name = "extras")]
    private readonly ModuleList<InvertedResidual> extras;

    [ComponentName(Name = "classification_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> classificationHeaders;

    [ComponentName(Name = "regression_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> regressionHeaders;

    // ModuleList is an IList only; the prediction pass indexes read-only views of the same modules.
    private readonly nn.Module<Tensor, Tensor>[] extrasRun;
    private readonly nn.Module<Tensor, Tensor>[] classificationRun;
    private readonly nn.Module<Tensor, Tensor>[] regressionRun;

    public SsdLiteModel(SsdLiteConfig config) : base(nameof(SsdLiteModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        baseNet = new MobileNetV2(config.Width, config.Rounding);
        extras = Extras.Build(baseNet.LastChannelCount);
        var sources = new List<int> { baseNet.TapChannels, baseNet.LastChannelCount };
        sources.AddRange(Extras.Table.Select(e => e.Out));
        if (sources.Count != config.Priors.Sources.Count)
            throw new ArgumentException($"the network has {sources.Count} sources, the prior spec {config.Priors.Sources.Count}", nameof(config));
        var perCell = config.Priors.PriorsPerCell;
        classificationHeaders = SsdLiteHead.Build(sources, config.NumClasses, perCell);
        regressionHeaders = SsdLiteHead.Build(sources, 4, perCell);
        // A ModuleList names its items 0, 1, … when it is registered, so the lists are complete first.
        register_module("base_net", baseNet);
        register_module("extras", extras);
        register_module("classification_headers", classificationHeaders);
        register_module("regression_headers", regressionHeaders);
        extrasRun = [.. extras];
        classificationRun = [.. classificationHeaders];
        regressionRun = [.. regressionHeaders];
        SourceChannels = sources;
        Initializers.XavierConvs(extras);
        Initializers.XavierConvs(classificationHeaders);
        Initializers.XavierConvs(regressionHeaders);
    }

    public SsdLiteConfig Config { get; }

    public MobileNetV2 BaseNet => baseNet;

    public IReadOnlyList<int> SourceChannels { get; }

    /// <summary>The four extra blocks after the backbone.</summary>
    public ModuleList<InvertedResidual> ExtraBlocks => extras;

    /// <summary>The classification heads, for re-initialising them when fine-tuning to another class count.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> ClassificationHeaders => classificationHeaders;

    /// <summary>The box regression heads.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> RegressionHeaders => regressionHeaders;

    public override HeadOutputs forward(Tensor input)
    {
        var (s16, s32) = baseNet.ForwardTaps(input);
        return SsdLiteHead.Predict(s16, s32, extrasRun, classificationRun, regressionRun, Config.NumClasses);
    }

    /// <summary>Softmax over classes: the scores the reference returns in test mode.</summary>
    public static Tensor Scores(HeadOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        return F.softmax(outputs.Confidences, 2);
    }

    /// <summary>The reference's keys in the reference's order (PyTorch's: per module its parameters, then its buffers).</summary>
    public override Dictionary<string, Tensor> state_dict(Dictionary<string, Tensor>? destination = null, string? prefix = null) =>
        StateDicts.Ordered(this, destination, prefix);

    /// <summary>
    /// Copies a state dict in, with PyTorch's checks: a wrong shape always throws a <see cref="StateDictException"/>
    /// naming the key (TorchSharp's own load would let <c>copy_</c> broadcast it), and so do missing and unexpected
    /// keys when <paramref name="strict"/>.
    /// </summary>
    public override (IList<string> missing_keys, IList<string> unexpected_keyes) load_state_dict(Dictionary<string, Tensor> source,
        bool strict = true, IList<string>? skip = null)
    {
        var result = StateDicts.Load(this, source, strict, skip);
        return (result.MissingKeys.ToList(), result.UnexpectedKeys.ToList());
    }

    /// <summary>Re-initialises the classification heads (fine-tuning from a checkpoint with another class count).</summary>
    public void ResetClassificationHeads()
    {
        using (no_grad())
        {
            foreach (var (_, m) in classificationHeaders.named_modules())
            {
                if (m is BatchNorm2d bn) bn.reset_parameters();
            }
        }
        Initializers.XavierConvs(classificationHeaders);
    }
}
