namespace SsdLite.Torch.NN;

/// <summary>
/// A PyTorch-style module: ordered parameters, buffers and children under dotted names
/// (<c>base_net.14.conv.0.weight</c>), train/eval mode, device moves and state dicts.
/// Parameters and buffers are owned by the module (outside any dispose scope) and freed by <see cref="Dispose"/>.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<string> parameterNames = new();
    private readonly Dictionary<string, Tensor?> parameterSlots = new();
    private readonly List<string> bufferNames = new();
    private readonly Dictionary<string, Tensor?> bufferSlots = new();
    private readonly List<KeyValuePair<string, Module>> children = new();
    private bool disposed;

    public bool training { get; private set; } = true;

    // registration
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        var p = Own(value);
        p.requires_grad = true;
        AddSlot(parameterNames, parameterSlots, name, p);
        return p;
    }

    /// <summary>Registers an absent optional parameter (a bias=false conv) so state dicts know the name is not used.</summary>
    protected void RegisterNullParameter(string name) => AddSlot(parameterNames, parameterSlots, name, null);

    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        var b = Own(value);
        AddSlot(bufferNames, bufferSlots, name, b);
        return b;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        ValidateName(name);
        if (children.Exists(c => c.Key == name)) throw new ArgumentException($"a child named '{name}' exists already", nameof(name));
        children.Add(new(name, module));
        return module;
    }

    protected Tensor Parameter(string name) =>
        parameterSlots[name] ?? throw new InvalidOperationException($"parameter '{name}' is not set");

    protected Tensor? OptionalParameter(string name) => parameterSlots[name];

    protected Tensor Buffer(string name) =>
        bufferSlots[name] ?? throw new InvalidOperationException($"buffer '{name}' is not set");

    private static Tensor Own(Tensor value)
    {
        using var _ = torch.no_grad();
        return value.DetachFromDisposeScope();
    }

    private static void AddSlot(List<string> names, Dictionary<string, Tensor?> slots, string name, Tensor? value)
    {
        ValidateName(name);
        if (!slots.TryAdd(name, value)) throw new ArgumentException($"'{name}' is registered already", nameof(name));
        names.Add(name);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"invalid module attribute name '{name}'", nameof(name));
    }

    // traversal
    public IEnumerable<KeyValuePair<string, Module>> named_children() => children;

    public IEnumerable<KeyValuePair<string, Module>> named_modules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (name, child) in children)
        {
            foreach (var m in child.named_modules(Join(prefix, name))) yield return m;
        }
    }

    public IEnumerable<KeyValuePair<string, Tensor>> named_parameters(string prefix = "")
    {
        foreach (var (path, module) in named_modules(prefix))
        {
            foreach (var name in module.parameterNames)
            {
                var p = module.parameterSlots[name];
                if (p is not null) yield return new(Join(path, name), p);
            }
        }
    }

    public IEnumerable<Tensor> parameters() => named_parameters().Select(p => p.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> named_buffers(string prefix = "")
    {
        foreach (var (path, module) in named_modules(prefix))
        {
            foreach (var name in module.bufferNames)
            {
                var b = module.bufferSlots[name];
                if (b is not null) yield return new(Join(path, name), b);
            }
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // modes and devices
    public virtual Module train(bool on = true)
    {
        training = on;
        foreach (var (_, child) in children) child.train(on);
        return this;
    }

    public Module eval() => train(false);

    /// <summary>Moves parameters and buffers to <paramref name="device"/> in place (the module keeps its identity).</summary>
    public Module to(Device device)
    {
        ReplaceTensors(t => t.device != device, t => t.to(device));
        return this;
    }

    /// <summary>
    /// Lays out every 4-D parameter and buffer (convolution weights) in <paramref name="format"/>, in place; call it
    /// before an optimizer takes the parameters. Values, names and state dicts are unchanged.
    /// </summary>
    public Module to(MemoryFormat format)
    {
        ReplaceTensors(t => t.dim() == 4 && !t.is_contiguous(format), t => t.detach().contiguous(format));
        return this;
    }

    /// <summary>Swaps every parameter and buffer that <paramref name="needed"/> selects for its converted copy, freeing the old one.</summary>
    private void ReplaceTensors(Func<Tensor, bool> needed, Func<Tensor, Tensor> convert)
    {
        foreach (var (_, module) in named_modules())
        {
            ReplaceSlots(module.parameterSlots, needed, convert, isParameter: true);
            ReplaceSlots(module.bufferSlots, needed, convert, isParameter: false);
        }
    }

    private static void ReplaceSlots(Dictionary<string, Tensor?> slots, Func<Tensor, bool> needed, Func<Tensor, Tensor> convert, bool isParameter)
    {
        foreach (var name in slots.Keys.ToList())
        {
            var t = slots[name];
            if (t is null || !needed(t)) continue;
            Tensor replaced;
            using (torch.NewDisposeScope())
            using (torch.no_grad())
            {
                replaced = convert(t).DetachFromDisposeScope();
            }
            if (isParameter) replaced.requires_grad = true;
            t.Dispose();
            slots[name] = replaced;
        }
    }

    public void zero_grad()
    {
        foreach (var p in parameters()) p.zero_grad();
    }

    // state dicts
    /// <summary>Parameters then buffers per module, in registration order, as PyTorch orders them.</summary>
    public List<KeyValuePair<string, Tensor>> state_dict()
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var (path, module) in named_modules())
        {
            foreach (var name in module.parameterNames)
            {
                if (module.parameterSlots[name] is { } p) result.Add(new(Join(path, name), p));
            }
            foreach (var name in module.bufferNames)
            {
                if (module.bufferSlots[name] is { } b) result.Add(new(Join(path, name), b));
            }
        }
        return result;
    }

    /// <summary>
    /// Copies values into this module's tensors (keeping their device and dtype). Shape mismatches are always
    /// an error naming each key; with <paramref name="strict"/>, so are missing and unexpected keys.
    /// </summary>
    public StateDictLoadResult load_state_dict(IEnumerable<KeyValuePair<string, Tensor>> source, bool strict = true)
    {
        var own = state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var seen = new HashSet<string>();
        var unexpected = new List<string>();
        var problems = new List<string>();
        var assignments = new List<(Tensor target, Tensor value)>();
        foreach (var (key, value) in source)
        {
            if (!own.TryGetValue(key, out var target))
            {
                unexpected.Add(key);
                continue;
            }
            seen.Add(key);
            if (!target.shape.SequenceEqual(value.shape))
            {
                problems.Add($"size mismatch for {key}: checkpoint has [{string.Join(", ", value.shape)}], model has [{string.Join(", ", target.shape)}]");
                continue;
            }
            assignments.Add((target, value));
        }
        var missing = own.Keys.Where(k => !seen.Contains(k)).ToList();
        if (strict)
        {
            problems.AddRange(missing.Select(k => $"missing key in checkpoint: {k}"));
            problems.AddRange(unexpected.Select(k => $"unexpected key in checkpoint: {k}"));
        }
        if (problems.Count > 0)
            throw new StateDictException("Error(s) loading state_dict:" + Environment.NewLine + string.Join(Environment.NewLine, problems), problems);
        using (torch.no_grad())
        {
            foreach (var (target, value) in assignments) target.copy_(value);
        }
        return new StateDictLoadResult(missing, unexpected);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposed || !disposing) return;
        disposed = true;
        foreach (var t in parameterSlots.Values) t?.Dispose();
        foreach (var t in bufferSlots.Values) t?.Dispose();
        foreach (var (_, child) in children) child.Dispose();
    }
}

/// <summary>A module with a typed forward pass; <c>call</c> is PyTorch's <c>module(x)</c>.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut forward(TIn input);

    public TOut call(TIn input) => forward(input);
}
