using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Torch.NN;

/// <summary>Batch normalisation over (N, C, H, W) with running statistics and num_batches_tracked, as PyTorch.</summary>
public sealed class BatchNorm2d : Module<Tensor, Tensor>
{
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1)
    {
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        RegisterParameter("weight", torch.ones(new[] { numFeatures }));
        RegisterParameter("bias", torch.zeros(new[] { numFeatures }));
        RegisterBuffer("running_mean", torch.zeros(new[] { numFeatures }));
        RegisterBuffer("running_var", torch.ones(new[] { numFeatures }));
        RegisterBuffer("num_batches_tracked", torch.zeros(Array.Empty<long>(), ScalarType.Int64));
    }

    public long NumFeatures { get; }
    public double Eps { get; }
    public double Momentum { get; }

    public Tensor weight => Parameter("weight");
    public Tensor bias => Parameter("bias");
    public Tensor running_mean => Buffer("running_mean");
    public Tensor running_var => Buffer("running_var");
    public Tensor num_batches_tracked => Buffer("num_batches_tracked");

    public override Tensor forward(Tensor input)
    {
        if (training)
        {
            using var _ = torch.no_grad();
            num_batches_tracked.add_(1);
        }
        return F.batch_norm(input, running_mean, running_var, weight, bias, training, Momentum, Eps);
    }
}
