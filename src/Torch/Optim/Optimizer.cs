namespace SsdLite.Torch.Optim;

/// <summary>
/// What every optimizer shares: parameter groups with their own learning rates (schedulers write them),
/// per-parameter state tensors keyed by the parameter's position over all groups, and deterministic disposal.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly Dictionary<string, Dictionary<Tensor, Tensor>> buffers = new(StringComparer.Ordinal);

    protected Optimizer(IEnumerable<ParamGroup> groups, double lr)
    {
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be >= 0");
        Groups = groups.ToList();
        foreach (var g in Groups)
        {
            g.LearningRate ??= lr;
            g.InitialLearningRate = g.LearningRate.Value;
        }
    }

    public IReadOnlyList<ParamGroup> Groups { get; }

    /// <summary>Weight decay for groups that do not set their own.</summary>
    public double WeightDecay { get; protected init; }

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
        BeginStep();
        foreach (var group in Groups)
        {
            var lr = group.LearningRate!.Value;
            var wd = group.WeightDecay ?? WeightDecay;
            foreach (var p in group.Parameters)
            {
                if (p.grad is { } g) Update(p, g, lr, wd);
            }
        }
    }

    /// <summary>Called once per <see cref="step"/> before any parameter is updated (step counters).</summary>
    protected virtual void BeginStep()
    {
    }

    /// <summary>Updates one parameter in place from its gradient; runs under no_grad inside a dispose scope.</summary>
    protected abstract void Update(Tensor p, Tensor grad, double lr, double weightDecay);

    /// <summary>The state tensor <paramref name="name"/> of <paramref name="p"/>, or null before its first update.</summary>
    protected Tensor? Buffer(string name, Tensor p) =>
        buffers.TryGetValue(name, out var byParam) && byParam.TryGetValue(p, out var b) ? b : null;

    /// <summary>Keeps <paramref name="value"/> (detached from the step's scope) as state <paramref name="name"/> of p.</summary>
    protected Tensor SetBuffer(string name, Tensor p, Tensor value)
    {
        if (!buffers.TryGetValue(name, out var byParam))
        {
            byParam = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
            buffers[name] = byParam;
        }
        if (byParam.TryGetValue(p, out var old) && !ReferenceEquals(old, value)) old.Dispose();
        byParam[p] = value.DetachFromDisposeScope();
        return value;
    }

    /// <summary>The names of per-parameter state this optimizer keeps ("momentum", "exp_avg", ...).</summary>
    protected abstract IReadOnlyList<string> BufferNames { get; }

    /// <summary>Optimizer-wide scalars to checkpoint (step counts), as one-element float64 tensors.</summary>
    protected virtual IEnumerable<KeyValuePair<string, double>> Scalars() => [];

    /// <summary>Restores a scalar written by <see cref="Scalars"/>; false for a name this optimizer does not know.</summary>
    protected virtual bool LoadScalar(string name, double value) => false;

    /// <summary>Every state tensor as "NAME.K" (K: the parameter's position over all groups), plus the scalars.</summary>
    public List<KeyValuePair<string, Tensor>> state_dict()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var parameters = AllParameters().ToList();
        foreach (var name in BufferNames)
        {
            for (var k = 0; k < parameters.Count; k++)
            {
                if (Buffer(name, parameters[k]) is { } b) result.Add(new($"{name}.{k}", b));
            }
        }
        foreach (var (name, value) in Scalars())
        {
            result.Add(new(name, torch.tensor(new[] { value }).DetachFromDisposeScope()));
        }
        return result;
    }

    /// <summary>Restores state written by <see cref="state_dict"/>, copied onto each parameter's device and dtype.</summary>
    public void load_state_dict(IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        var parameters = AllParameters().ToList();
        ClearBuffers();
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var (key, value) in state)
        {
            var dot = key.LastIndexOf('.');
            var name = dot < 0 ? key : key[..dot];
            if (dot < 0 || !BufferNames.Contains(name))
            {
                if (value.numel() == 1 && LoadScalar(key, value.to(ScalarType.Float64).cpu().data<double>()[0])) continue;
                throw new ArgumentException($"optimizer state has an unknown entry '{key}'", nameof(state));
            }
            if (!int.TryParse(key.AsSpan(dot + 1), out var k) || k < 0 || k >= parameters.Count)
                throw new ArgumentException($"optimizer state has an unknown entry '{key}'", nameof(state));
            var p = parameters[k];
            if (!p.shape.SequenceEqual(value.shape))
                throw new ArgumentException($"optimizer state '{key}' has shape [{string.Join(", ", value.shape)}], parameter has [{string.Join(", ", p.shape)}]", nameof(state));
            SetBuffer(name, p, value.to(p.device, p.dtype).clone());
        }
    }

    private IEnumerable<Tensor> AllParameters() => Groups.SelectMany(g => g.Parameters);

    private void ClearBuffers()
    {
        foreach (var byParam in buffers.Values)
        {
            foreach (var b in byParam.Values) b.Dispose();
        }
        buffers.Clear();
    }

    public void Dispose()
    {
        ClearBuffers();
        GC.SuppressFinalize(this);
    }
}
