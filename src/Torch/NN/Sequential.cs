namespace SsdLite.Torch.NN;

/// <summary>Children named 0, 1, 2 … applied in order; intermediate results are freed as soon as they are used.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> layers = new();

    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        foreach (var m in modules) Append(m);
    }

    public int Count => layers.Count;

    public Module<Tensor, Tensor> this[int index] => layers[index];

    public Sequential Append(Module<Tensor, Tensor> module)
    {
        RegisterModule(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        layers.Add(module);
        return this;
    }

    public override Tensor forward(Tensor input) => Chain(layers, 0, layers.Count, input);

    /// <summary>Applies children <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) only.</summary>
    public Tensor forward(Tensor input, int from, int to) => Chain(layers, from, to, input);

    /// <summary>
    /// Applies <paramref name="layers"/>[from..to) in order. The caller keeps ownership of the input; every
    /// intermediate result is freed as soon as the next layer has used it, rather than at scope end. With no layer
    /// in the range the result is a new handle to the input, so the caller always owns what it gets back.
    /// </summary>
    public static Tensor Chain(IReadOnlyList<Module<Tensor, Tensor>> layers, int from, int to, Tensor input)
    {
        var x = input;
        for (var i = from; i < to; i++)
        {
            var y = layers[i].forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = y;
        }
        return ReferenceEquals(x, input) ? x.alias() : x;
    }
}
