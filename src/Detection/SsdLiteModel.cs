using SsdLite.Backbone;
using SsdLite.Torch;
using SsdLite.Torch.NN;
using F = SsdLite.Torch.torch.nn.functional;

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
/// <c>classification_headers</c>, <c>regression_headers</c>), so its state dicts load key for key.
/// </summary>
public sealed class SsdLiteModel : Module<Tensor, HeadOutputs>
{
    private readonly MobileNetV2 baseNet;
    private readonly ModuleList<InvertedResidual> extras;
    private readonly ModuleList<Module<Tensor, Tensor>> classificationHeaders;
    private readonly ModuleList<Module<Tensor, Tensor>> regressionHeaders;

    public SsdLiteModel(SsdLiteConfig config)
    {
        Config = config;
        baseNet = RegisterModule("base_net", new MobileNetV2(config.Width, config.Rounding));
        extras = RegisterModule("extras", Extras.Build(baseNet.LastChannelCount));
        var sources = new List<int> { baseNet.TapChannels, baseNet.LastChannelCount };
        sources.AddRange(Extras.Table.Select(e => e.Out));
        if (sources.Count != config.Priors.Sources.Count)
            throw new ArgumentException($"the network has {sources.Count} sources, the prior spec {config.Priors.Sources.Count}", nameof(config));
        var perCell = config.Priors.PriorsPerCell;
        classificationHeaders = RegisterModule("classification_headers", SsdLiteHead.Build(sources, config.NumClasses, perCell));
        regressionHeaders = RegisterModule("regression_headers", SsdLiteHead.Build(sources, 4, perCell));
        SourceChannels = sources;
        Initializers.XavierConvs(extras);
        Initializers.XavierConvs(classificationHeaders);
        Initializers.XavierConvs(regressionHeaders);
    }

    public SsdLiteConfig Config { get; }

    public MobileNetV2 BaseNet => baseNet;

    public IReadOnlyList<int> SourceChannels { get; }

    /// <summary>The classification heads, for re-initialising them when fine-tuning to another class count.</summary>
    public ModuleList<Module<Tensor, Tensor>> ClassificationHeaders => classificationHeaders;

    public override HeadOutputs forward(Tensor input)
    {
        var (s16, s32) = baseNet.ForwardTaps(input);
        return SsdLiteHead.Predict(s16, s32, extras, classificationHeaders, regressionHeaders, Config.NumClasses);
    }

    /// <summary>Softmax over classes: the scores the reference returns in test mode.</summary>
    public static Tensor Scores(HeadOutputs outputs) => F.softmax(outputs.Confidences, 2);

    /// <summary>Re-initialises the classification heads (fine-tuning from a checkpoint with another class count).</summary>
    public void ResetClassificationHeads()
    {
        foreach (var (_, m) in classificationHeaders.named_modules())
        {
            switch (m)
            {
                case BatchNorm2d bn:
                    using (torch.no_grad())
                    {
                        bn.weight.fill_(1);
                        bn.bias.zero_();
                        bn.running_mean.zero_();
                        bn.running_var.fill_(1);
                        bn.num_batches_tracked.zero_();
                    }
                    break;
            }
        }
        Initializers.XavierConvs(classificationHeaders);
    }
}
