namespace SsdLite.Detection;

/// <summary>Keys that a state dict load did not find (missing) or did not use (unexpected).</summary>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>A state dict that does not fit the module; <see cref="Problems"/> lists one line per key.</summary>
public sealed class StateDictException : InvalidOperationException
{
    /// <summary>
    /// An error with the list of <paramref name="problems"/> (missing, unexpected or mis-shaped keys).
    /// </summary>
    public StateDictException(string message, IReadOnlyList<string> problems) : base(message) => Problems = problems;

    /// <summary>One line per key that did not load.</summary>
    public IReadOnlyList<string> Problems { get; }
}

/// <summary>
/// State dicts in PyTorch's key order, and loading them with PyTorch's checks. TorchSharp's own
/// <c>state_dict()</c> lists every parameter of the whole tree before any buffer, so a reference checkpoint's key
/// order is lost; its <c>load_state_dict</c> reports key mismatches without naming them and lets <c>copy_</c>
/// broadcast a tensor of the wrong shape.
/// </summary>
public static class StateDicts
{
    /// <summary>
    /// Per module in depth-first order: its own parameters, then its own persistent buffers, then its children;
    /// the order of <c>torch.nn.Module.state_dict()</c>. The tensors are the module's own, not copies.
    /// </summary>
    public static Dictionary<string, Tensor> Ordered(nn.Module module, Dictionary<string, Tensor>? destination = null, string? prefix = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        destination ??= [];
        Collect(module, string.IsNullOrEmpty(prefix) ? "" : prefix + ".", destination);
        return destination;
    }

    private static void Collect(nn.Module module, string prefix, Dictionary<string, Tensor> destination)
    {
        foreach (var (name, p) in module.named_parameters(recurse: false)) destination.TryAdd(prefix + name, p);
        foreach (var (name, b) in module.named_buffers(recurse: false, include_nonpersistent: false)) destination.TryAdd(prefix + name, b);
        foreach (var (name, child) in module.named_children()) Collect(child, prefix + name + ".", destination);
    }

    /// <summary>
    /// Copies values into <paramref name="module"/>'s own tensors (keeping their device, dtype and memory layout).
    /// A shape mismatch is always an error naming the key; with <paramref name="strict"/>, so are missing and
    /// unexpected keys. Keys in <paramref name="skip"/> are left out on both sides. Nothing is copied when any
    /// check fails.
    /// </summary>
    /// <exception cref="StateDictException">the state dict does not fit; <see cref="StateDictException.Problems"/> names each key</exception>
    public static StateDictLoadResult Load(nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> source, bool strict = true,
        IEnumerable<string>? skip = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);
        var skipped = new HashSet<string>(skip ?? []);
        var own = module.state_dict();
        foreach (var key in skipped) own.Remove(key);
        source = source.Where(kv => !skipped.Contains(kv.Key));
        var seen = new HashSet<string>();
        var unexpected = new List<string>();
        var problems = new List<string>();
        var assignments = new List<(Tensor Target, Tensor Value)>();
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
        using (no_grad())
        {
            foreach (var (target, value) in assignments) target.copy_(value);
        }
        return new StateDictLoadResult(missing, unexpected);
    }

    /// <summary><see cref="Load"/> as a method of any module, for sources that are not a dictionary (checkpoint entries in file order).</summary>
    public static StateDictLoadResult load_state_dict(this nn.Module module, IEnumerable<KeyValuePair<string, Tensor>> source, bool strict = true) =>
        Load(module, source, strict);
}
