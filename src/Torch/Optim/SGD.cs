namespace SsdLite.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, step for step as
/// torch.optim.SGD: d = g + wd·p; b = m·b + (1 − dampening)·d (b = d on the first step); d = d + m·b (Nesterov)
/// or d = b; p = p − lr·d.
/// </summary>
public sealed class SGD : IDisposable
{
    private readonly Dictionary<Tensor, Tensor> momentumBuffers = new(ReferenceEqualityComparer.Instance);

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false)
    {
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be >= 0");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
        Groups = groups.ToList();
        foreach (var g in Groups)
        {
            g.LearningRate ??= lr;
            g.InitialLearningRate = g.LearningRate.Value;
        }
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

    public IReadOnlyList<ParamGroup> Groups { get; }
    public double Momentum { get; }
    public double Dampening { get; }
    public double WeightDecay { get; }
    public bool Nesterov { get; }

    public void zero_grad()
    {
        foreach (var g in Groups)
        {
            foreach (var p in g.Parameters) p.zero_grad();
        }
    }

    public void step()
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var group in Groups)
        {
            var lr = group.LearningRate!.Value;
            var wd = group.WeightDecay ?? WeightDecay;
            foreach (var p in group.Parameters) Update(p, lr, wd);
        }
    }

    private void Update(Tensor p, double lr, double wd)
    {
        var d = p.grad;
        if (d is null) return;
        if (wd != 0) d = d.add(p, wd);
        if (Momentum != 0)
        {
            var buffer = MomentumBuffer(p, d);
            d = Nesterov ? d.add(buffer, Momentum) : buffer;
        }
        p.add_(d, -lr);
    }

    private Tensor MomentumBuffer(Tensor p, Tensor d)
    {
        if (momentumBuffers.TryGetValue(p, out var buffer))
        {
            return buffer.mul_(Momentum).add_(d, 1 - Dampening);
        }
        buffer = d.clone().DetachFromDisposeScope();
        momentumBuffers[p] = buffer;
        return buffer;
    }

    /// <summary>Momentum buffers keyed by the parameter's position over all groups ("momentum.K"), for checkpoints.</summary>
    public List<KeyValuePair<string, Tensor>> state_dict()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var k = 0;
        foreach (var p in AllParameters())
        {
            if (momentumBuffers.TryGetValue(p, out var b)) result.Add(new($"momentum.{k}", b));
            k++;
        }
        return result;
    }

    /// <summary>Restores momentum buffers written by <see cref="state_dict"/> (copied onto each parameter's device).</summary>
    public void load_state_dict(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        var parameters = AllParameters().ToList();
        ClearBuffers();
        foreach (var (key, value) in state)
        {
            if (!key.StartsWith("momentum.", StringComparison.Ordinal)
                || !int.TryParse(key.AsSpan(9), out var k) || k < 0 || k >= parameters.Count)
                throw new ArgumentException($"optimizer state has an unknown entry '{key}'", nameof(state));
            var p = parameters[k];
            if (!p.shape.SequenceEqual(value.shape))
                throw new ArgumentException($"optimizer state '{key}' has shape [{string.Join(", ", value.shape)}], parameter has [{string.Join(", ", p.shape)}]", nameof(state));
            using var _ = torch.no_grad();
            momentumBuffers[p] = value.to(p.device, p.dtype).clone().DetachFromDisposeScope();
        }
    }

    private IEnumerable<Tensor> AllParameters() => Groups.SelectMany(g => g.Parameters);

    private void ClearBuffers()
    {
        foreach (var b in momentumBuffers.Values) b.Dispose();
        momentumBuffers.Clear();
    }

    public void Dispose() => ClearBuffers();
}
