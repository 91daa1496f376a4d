namespace SsdLite.Platform.Serialization;

// The few Python values a state_dict pickle builds. Ints are long (or BigInteger past 64 bits), floats double,
// str string, bytes byte[], None null, tuples object?[], lists List<object?>; the rest are these types.

/// <summary>A Python dict or collections.OrderedDict: keeps insertion order, as both do since Python 3.7.</summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object, object?>> _items = [];
    private readonly Dictionary<object, int> _index = [];

    public IReadOnlyList<KeyValuePair<object, object?>> Items => _items;

    /// <summary>Attributes set by BUILD (an OrderedDict state_dict carries <c>_metadata</c> this way).</summary>
    public Dictionary<string, object?> Attributes { get; } = [];

    public int Count => _items.Count;

    public void Set(object key, object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            _items[at] = new(key, value);
            return;
        }
        _index[key] = _items.Count;
        _items.Add(new(key, value));
    }

    public bool TryGetValue(object key, out object? value)
    {
        if (_index.TryGetValue(key, out int at))
        {
            value = _items[at].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>A torch.*Storage class named in a persistent id: it fixes the element type of the storage.</summary>
internal sealed record StorageType(string Name, ScalarType DType)
{
    public int ElementSize => DType switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        _ => 8,
    };
}

/// <summary>
/// A storage as the pickle refers to it: <paramref name="Key"/> names its raw bytes in the file, and a legacy
/// view starts <paramref name="ElementOffset"/> elements into that root storage.
/// </summary>
internal sealed record StorageRef(StorageType Type, string Key, long ElementOffset, long NumElements);

/// <summary>
/// A tensor as <c>_rebuild_tensor_v2</c> describes it. Legacy files list storage bytes after the pickle, so
/// tensors are materialized only once every storage can be read.
/// </summary>
internal sealed record TensorRecipe(StorageRef Storage, long StorageOffset, long[] Shape, long[] Stride);

/// <summary>An allow-listed Python callable: the only code a pickle can cause to run is one of these.</summary>
internal sealed class PickleCallable(string qualifiedName, Func<object?[], object?> invoke)
{
    public string QualifiedName { get; } = qualifiedName;

    public object? Invoke(object?[] args) => invoke(args);

    public override string ToString() => QualifiedName;
}
