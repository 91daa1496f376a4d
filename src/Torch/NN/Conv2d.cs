using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Torch.NN;

/// <summary>2-D convolution; weight (out, in/groups, kh, kw), optional bias; PyTorch's default initialisation.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"channels ({inChannels} -> {outChannels}) must be divisible by groups ({groups})", nameof(groups));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Groups = groups;
        var w = RegisterParameter("weight", torch.empty(new[] { outChannels, inChannels / groups, kernelSize, kernelSize }));
        // PyTorch's reset_parameters: kaiming_uniform(a = sqrt(5)), bias uniform in +-1/sqrt(fan_in).
        torch.nn.init.kaiming_uniform_(w, Math.Sqrt(5));
        if (bias)
        {
            var bound = 1.0 / Math.Sqrt(inChannels / groups * kernelSize * kernelSize);
            RegisterParameter("bias", torch.empty(new[] { outChannels })).uniform_(-bound, bound);
        }
        else
        {
            RegisterNullParameter("bias");
        }
    }

    public long InChannels { get; }
    public long OutChannels { get; }
    public long KernelSize { get; }
    public long Stride { get; }
    public long Padding { get; }
    public long Dilation { get; }
    public long Groups { get; }

    public Tensor weight => Parameter("weight");

    public Tensor? bias => OptionalParameter("bias");

    public override Tensor forward(Tensor input) =>
        F.conv2d(input, weight, bias, (Stride, Stride), (Padding, Padding), (Dilation, Dilation), Groups);
}
