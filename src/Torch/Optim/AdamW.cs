namespace SsdLite.Torch.Optim;

/// <summary>
/// Adam with decoupled weight decay, as torch.optim.AdamW (amsgrad off): p = p·(1 − lr·wd);
/// m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; p = p − lr·(m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε).
/// </summary>
public sealed class AdamW : Optimizer
{
    private const string FirstMoment = "exp_avg";
    private const string SecondMoment = "exp_avg_sq";
    private const string StepKey = "step";

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 1e-2)
        : base(groups, lr)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
    }

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 1e-2)
        : this(new[] { new ParamGroup(parameters) }, lr, beta1, beta2, eps, weightDecay)
    {
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }

    /// <summary>Steps taken; every parameter with a gradient is updated on every step, so one count serves all.</summary>
    public long Steps { get; private set; }

    protected override IReadOnlyList<string> BufferNames { get; } = [FirstMoment, SecondMoment];

    protected override void BeginStep() => Steps++;

    protected override void Update(Tensor p, Tensor grad, double lr, double weightDecay)
    {
        if (weightDecay != 0) p.mul_(1 - (lr * weightDecay));
        var m = Buffer(FirstMoment, p) ?? SetBuffer(FirstMoment, p, grad.mul(0.0));
        var v = Buffer(SecondMoment, p) ?? SetBuffer(SecondMoment, p, grad.mul(0.0));
        m.mul_(Beta1).add_(grad, 1 - Beta1);
        v.mul_(Beta2).add_(grad.mul(grad), 1 - Beta2);
        var firstCorrection = 1 - Math.Pow(Beta1, Steps);
        var secondCorrection = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        var denominator = v.sqrt().div(secondCorrection).add(Eps);
        p.add_(m.div(denominator), -lr / firstCorrection);
    }

    protected override IEnumerable<KeyValuePair<string, double>> Scalars() => [new(StepKey, Steps)];

    protected override bool LoadScalar(string name, double value)
    {
        if (name != StepKey) return false;
        Steps = (long)value;
        return true;
    }
}
