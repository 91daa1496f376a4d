using SsdLite.Backbone;
using SsdLite.Core;
using TorchSharp.Utils;

namespace SsdLite.Detection.Models;

/// <summary>Raw head outputs: confidences (N, P, C) as logits and locations (N, P, 4) as encoded offsets.</summary>
public sealed record HeadOutputs(Tensor Confidences, Tensor Locations) : IDisposable
{
    /// <summary>Frees both tensors.</summary>
    public void Dispose()
    {
        Confidences.Dispose();
        Locations.Dispose();
    }
}

/// <summary>
/// The SSD detector of every architecture (<see cref="SsdArch"/>: MobileNetV2 SSD-Lite, MobileNetV1 SSD-Lite and
/// SSD), with the reference's module names (<c>base_net</c>, <c>extras</c>, <c>classification_headers</c>,
/// <c>regression_headers</c>), so its state dicts load key for key and <see cref="state_dict"/> lists them in the
/// reference's order. The architecture's <see cref="ArchBuilder"/> makes the parts; the forward pass is one for all.
/// </summary>
public sealed class SsdLiteModel : nn.Module<Tensor, HeadOutputs>
{
    // Fields carry the registered names: TorchSharp registers a module-typed field under its own name when this
    // model becomes another module's child, and a second name would duplicate every key.
    [ComponentName(Name = "base_net")]
    private readonly FeatureBackbone baseNet;

    [ComponentName(Name = "extras")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> extras;

    [ComponentName(Name = "classification_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> classificationHeaders;

    [ComponentName(Name = "regression_headers")]
    private readonly ModuleList<nn.Module<Tensor, Tensor>> regressionHeaders;

    // ModuleList is an IList only; the prediction pass indexes read-only views of the same modules.
    private readonly nn.Module<Tensor, Tensor>[] extrasRun;
    private readonly nn.Module<Tensor, Tensor>[] classificationRun;
    private readonly nn.Module<Tensor, Tensor>[] regressionRun;

    /// <summary>
    /// A model with fresh weights for <paramref name="config"/> (architecture, width, input size, classes).
    /// </summary>
    public SsdLiteModel(SsdLiteConfig config) : base(nameof(SsdLiteModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        var builder = ArchBuilder.For(config.Arch);
        baseNet = builder.Backbone(config.Width, config.Rounding);
        var extraBlocks = builder.Extras(baseNet.LastChannelCount);
        extras = nn.ModuleList(extraBlocks.Select(e => e.Block).ToArray());
        var sources = new List<int> { baseNet.TapChannels, baseNet.LastChannelCount };
        sources.AddRange(extraBlocks.Select(e => e.OutChannels));
        if (sources.Count != config.Priors.Sources.Count)
            throw new ArgumentException($"the network has {sources.Count} sources, the prior spec {config.Priors.Sources.Count}", nameof(config));
        var perCell = config.Priors.PriorsPerCell;
        classificationHeaders = builder.Heads(sources, config.ClassCountWithBackground, perCell);
        regressionHeaders = builder.Heads(sources, 4, perCell);
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

    /// <summary>The configuration the model was built for.</summary>
    public SsdLiteConfig Config { get; }

    /// <summary>The backbone (MobileNetV2 or MobileNetV1, by the config's architecture) and its two taps.</summary>
    public FeatureBackbone BaseNet => baseNet;

    /// <summary>Channels of each source feature map, in source order.</summary>
    public IReadOnlyList<int> SourceChannels { get; }

    /// <summary>The four extra blocks after the backbone.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> ExtraBlocks => extras;

    /// <summary>The classification heads, for re-initialising them when fine-tuning to another class count.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> ClassificationHeaders => classificationHeaders;

    /// <summary>The box regression heads.</summary>
    public ModuleList<nn.Module<Tensor, Tensor>> RegressionHeaders => regressionHeaders;

    /// <inheritdoc />
    public override HeadOutputs forward(Tensor input)
    {
        var (s16, s32) = baseNet.ForwardTaps(input);
        return SsdLiteHead.Predict(s16, s32, extrasRun, classificationRun, regressionRun, Config.ClassCountWithBackground);
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
                if (m is BatchNorm bn) bn.reset_parameters();
            }
        }
        Initializers.XavierConvs(classificationHeaders);
    }
}
