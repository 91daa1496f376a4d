namespace SsdLite.Backbone;

/// <summary>The ImageNet classifier: <c>features</c> (MobileNetV2), global average pool, <c>classifier</c> = dropout 0.2 + linear.</summary>
public sealed class MobileNetV2Classifier : nn.Module<Tensor, Tensor>
{
    public MobileNetV2Classifier(int numClasses = 1000, double width = 1.0, ChannelRounding rounding = ChannelRounding.MakeDivisible)
        : base(nameof(MobileNetV2Classifier))
    {
        features = new MobileNetV2(width, rounding);
        classifier = new Layers(nn.Dropout(0.2), nn.Linear(features.LastChannelCount, numClasses));
        register_module("features", features);
        register_module("classifier", classifier);
        foreach (var (_, m) in classifier.named_modules()) Initializers.ConvFanOutBatchNormUnit(m);
    }

    public MobileNetV2 features { get; }

    public Layers classifier { get; }

    public override Tensor forward(Tensor input)
    {
        using var x = features.forward(input);
        using var pooled = F.adaptive_avg_pool2d(x, (1, 1));
        using var flat = pooled.flatten(1);
        return classifier.forward(flat);
    }
}
