using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Torch.NN;

/// <summary>min(max(x, 0), 6).</summary>
public sealed class ReLU6 : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => F.relu6(input);
}

/// <summary>Zeroes elements with probability p in training, scaling the rest by 1/(1-p); identity in eval.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    public Dropout(double p = 0.5)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    public double P { get; }

    public override Tensor forward(Tensor input) => F.dropout(input, P, training);
}
