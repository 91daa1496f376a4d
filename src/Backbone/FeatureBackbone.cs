using SsdLite.Core;

namespace SsdLite.Backbone;

/// <summary>
/// Where a detector reads its stride-16 source in a backbone's layer list: the output of layer
/// <see cref="Layer"/>, or, with <see cref="Expansion"/>, the expansion activation inside it (an
/// <see cref="IExpansionTap"/> block, before its stride-2 depthwise conv). The stride-32 source is always the
/// output of the last layer.
/// </summary>
public readonly record struct FeatureTap(int Layer, bool Expansion)
{
    /// <summary>The output of layer <paramref name="layer"/> (MobileNetV1: layer 11, 19x19x512 at 300).</summary>
    public static FeatureTap OutputOf(int layer) => new(layer, false);

    /// <summary>The expansion activation inside block <paramref name="layer"/> (MobileNetV2: block 14, 19x19x576 at 300).</summary>
    public static FeatureTap ExpansionOf(int layer) => new(layer, true);

    /// <summary>
    /// The two sources over any layer list with this tap: the backbone's own layers, or an inference copy's whose
    /// tapped block is also an <see cref="IExpansionTap"/>. The caller owns both results.
    /// </summary>
    public (Tensor stride16, Tensor stride32) Forward(IReadOnlyList<nn.Module<Tensor, Tensor>> layers, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (Layer < 0 || Layer >= layers.Count)
            throw new ArgumentOutOfRangeException(nameof(layers), $"tap layer {Layer} of {layers.Count}");
        if (!Expansion)
        {
            var tapped = Layers.Chain(layers, 0, Layer + 1, input);
            try
            {
                return (tapped, Layers.Chain(layers, Layer + 1, layers.Count, tapped));
            }
            catch
            {
                tapped.Dispose();
                throw;
            }
        }
        var block = layers[Layer] as IExpansionTap
            ?? throw new InvalidOperationException($"layer {Layer} has no expansion tap");
        Tensor output, expanded;
        using (var x = Layers.Chain(layers, 0, Layer, input)) (output, expanded) = block.ForwardWithExpansion(x);
        using (output)
        {
            try
            {
                return (expanded, Layers.Chain(layers, Layer + 1, layers.Count, output));
            }
            catch
            {
                expanded.Dispose();
                throw;
            }
        }
    }
}

/// <summary>
/// A classification network's feature layers (children named 0, 1, … as the reference's <c>base_net</c>
/// sequence) with the two sources an SSD reads: a stride-16 tap and the stride-32 output. The tap is named by a
/// <see cref="FeatureTap"/>, not picked by list index in the detector.
/// </summary>
public abstract class FeatureBackbone : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> layers = [];

    /// <summary>
    /// A backbone at width multiplier <paramref name="width"/>, its channels rounded by <paramref name="rounding"/>.
    /// </summary>
    protected FeatureBackbone(string name, double width, ChannelRounding rounding) : base(name)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "width multiplier must be positive");
        Width = width;
        Rounding = rounding;
    }

    /// <summary>The width multiplier the channels were scaled by.</summary>
    public double Width { get; }

    /// <summary>How scaled channel counts were rounded.</summary>
    public ChannelRounding Rounding { get; }

    /// <summary>Where the stride-16 source is read.</summary>
    public FeatureTap Tap { get; protected set; }

    /// <summary>Channels of the stride-16 source.</summary>
    public int TapChannels { get; protected set; }

    /// <summary>Channels of the stride-32 output.</summary>
    public int LastChannelCount { get; protected set; }

    /// <summary>The number of layers, in forward order.</summary>
    public int Count => layers.Count;

    /// <summary>The layer at <paramref name="index"/> (the reference's <c>base_net</c> index).</summary>
    public nn.Module<Tensor, Tensor> this[int index] => layers[index];

    /// <summary>The layers in order (read-only).</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Items => layers;

    /// <summary>Appends a layer (registered under its index, as the reference names them).</summary>
    protected void Add(nn.Module<Tensor, Tensor> layer)
    {
        register_module(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        layers.Add(layer);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Layers.Chain(layers, 0, layers.Count, input);

    /// <summary>The stride-16 tap and the stride-32 output; the caller owns both.</summary>
    public (Tensor stride16, Tensor stride32) ForwardTaps(Tensor input) => Tap.Forward(layers, input);

    /// <summary>Conv normal(0, sqrt(2 / (k·k·out))), BN weight 1 and bias 0 (torchvision's MobileNet initialisation).</summary>
    protected void InitializeWeights()
    {
        foreach (var (_, m) in named_modules()) Initializers.ConvFanOutBatchNormUnit(m);
    }
}
