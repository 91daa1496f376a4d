namespace SsdLite.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, step for step as
/// torch.optim.SGD: d = g + wd·p; b = m·b + (1 − dampening)·d (b = d on the first step); d = d + m·b (Nesterov)
/// or d = b; p = p − lr·d.
/// </summary>
public sealed class SGD : Optimizer
{
    private const string MomentumBuffer = "momentum";

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false)
        : base(groups, lr)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
    }

    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false)
        : this(new[] { new ParamGroup(parameters) }, lr, momentum, dampening, weightDecay, nesterov)
    {
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }

    protected override IReadOnlyList<string> BufferNames { get; } = [MomentumBuffer];

    protected override void Update(Tensor p, Tensor grad, double lr, double weightDecay)
    {
        var d = weightDecay != 0 ? grad.add(p, weightDecay) : grad;
        if (Momentum != 0)
        {
            var buffer = Buffer(MomentumBuffer, p) is { } b
                ? b.mul_(Momentum).add_(d, 1 - Dampening)
                : SetBuffer(MomentumBuffer, p, d.clone());
            d = Nesterov ? d.add(buffer, Momentum) : buffer;
        }
        p.add_(d, -lr);
    }
}
