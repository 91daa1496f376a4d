using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Torch.NN;

/// <summary>y = x Wᵀ + b with PyTorch's default initialisation.</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = RegisterParameter("weight", torch.empty(new[] { outFeatures, inFeatures }));
        torch.nn.init.kaiming_uniform_(w, Math.Sqrt(5));
        if (bias)
        {
            var bound = 1.0 / Math.Sqrt(inFeatures);
            RegisterParameter("bias", torch.empty(new[] { outFeatures })).uniform_(-bound, bound);
        }
        else
        {
            RegisterNullParameter("bias");
        }
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    public Tensor weight => Parameter("weight");
    public Tensor? bias => OptionalParameter("bias");

    public override Tensor forward(Tensor input) => F.linear(input, weight, bias);
}
