namespace SsdLite.Backbone;

/// <summary>
/// An indexed run of layers that can be applied in part: TorchSharp's Sequential only runs whole, and the SSD taps
/// need the activation inside a block. Children are named 0, 1, … as in PyTorch's nn.Sequential, so state_dict
/// keys are the reference's (<c>conv.3.weight</c>).
/// </summary>
public sealed class Layers : nn.Module<Tensor, Tensor>
{
    private readonly List<nn.Module<Tensor, Tensor>> items = [];

    /// <summary>A sequence of <paramref name="layers"/>, registered under their indices.</summary>
    public Layers(params nn.Module<Tensor, Tensor>[] layers) : base(nameof(Layers))
    {
        foreach (var layer in layers) Append(layer);
    }

    /// <summary>The number of layers.</summary>
    public int Count => items.Count;

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public nn.Module<Tensor, Tensor> this[int index] => items[index];

    /// <summary>The layers in forward order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Items => items;

    /// <summary>Appends <paramref name="layer"/> under the next index; returns this sequence.</summary>
    public Layers Append(nn.Module<Tensor, Tensor> layer)
    {
        register_module(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        items.Add(layer);
        return this;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Chain(items, 0, items.Count, input);

    /// <summary>Layers [<paramref name="from"/>, <paramref name="to"/>) applied to <paramref name="input"/>.</summary>
    public Tensor forward(Tensor input, int from, int to) => Chain(items, from, to, input);

    /// <summary>
    /// Applies layers [from, to) of <paramref name="layers"/> in turn, freeing each intermediate as soon as the next
    /// exists. The input stays the caller's; with an empty range the result is an alias of it.
    /// </summary>
    public static Tensor Chain(IReadOnlyList<nn.Module<Tensor, Tensor>> layers, int from, int to, Tensor input)
    {
        if (from == to) return input.alias();
        var x = layers[from].forward(input);
        for (var i = from + 1; i < to; i++)
        {
            var next = layers[i].forward(x);
            x.Dispose();
            x = next;
        }
        return x;
    }
}
