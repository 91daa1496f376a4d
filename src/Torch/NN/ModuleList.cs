using System.Collections;

namespace SsdLite.Torch.NN;

/// <summary>An indexed list of child modules named 0, 1, 2 …; the owner decides how to call them.</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> items = new();

    public ModuleList(IEnumerable<T>? modules = null)
    {
        if (modules is null) return;
        foreach (var m in modules) Append(m);
    }

    public int Count => items.Count;

    public T this[int index] => items[index];

    public ModuleList<T> Append(T module)
    {
        RegisterModule(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        items.Add(module);
        return this;
    }

    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
