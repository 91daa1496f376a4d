using SsdLite.Core;

namespace SsdLite.Backbone;

/// <summary>The ImageNet classifier: <c>features</c> (MobileNetV2), global average pool, <c>classifier</c> = dropout 0.2 + linear.</summary>
public sealed class MobileNetV2Classifier : nn.Module<Tensor, Tensor>
{
    /// <summary>
    /// torchvision's classifier layout: the features, global average pooling, dropout and a linear layer to <paramref
    /// name="numClasses"/>.
    /// </summary>
    public MobileNetV2Classifier(int numClasses = 1000, double width = 1.0, ChannelRounding rounding = ChannelRounding.MakeDivisible)
        : base(nameof(MobileNetV2Classifier))
    {
        features = new MobileNetV2(width, rounding);
        classifier = new Layers(nn.Dropout(0.2), nn.Linear(features.LastChannelCount, numClasses));
        register_module("features", features);
        register_module("classifier", classifier);
        foreach (var (_, m) in classifier.named_modules()) Initializers.ConvFanOutBatchNormUnit(m);
    }

    /// <summary>The features (torchvision's <c>features</c>).</summary>
    public MobileNetV2 features { get; }

    /// <summary>Dropout and the final linear layer (torchvision's <c>classifier</c>).</summary>
    public Layers classifier { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var x = features.forward(input);
        using var pooled = F.adaptive_avg_pool2d(x, (1, 1));
        using var flat = pooled.flatten(1);
        return classifier.forward(flat);
    }
}
