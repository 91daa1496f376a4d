namespace SsdLite.Torch;

/// <summary>
/// Frees every tensor created on this thread while it is the innermost scope, except tensors moved out
/// (<see cref="Tensor.MoveToOuterScope"/>) or detached (<see cref="Tensor.DetachFromDisposeScope"/>).
/// Scopes are per thread: a tensor created on another thread belongs to that thread's scope.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private readonly List<Tensor> tensors = new();
    private bool disposed;

    internal DisposeScope()
    {
        Outer = current;
        current = this;
    }

    internal DisposeScope? Outer { get; }

    internal static DisposeScope? Current => current;

    /// <summary>Tensors this scope still owns.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var t in tensors) if (t.Scope == this && !t.IsInvalid) n++;
            return n;
        }
    }

    internal void Add(Tensor t)
    {
        t.Scope = this;
        tensors.Add(t);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in tensors)
        {
            if (t.Scope == this) t.Dispose();
        }
        tensors.Clear();
        // Scopes end in reverse order of creation; an out-of-order dispose still restores the right outer one.
        if (current == this) current = Outer;
    }
}
