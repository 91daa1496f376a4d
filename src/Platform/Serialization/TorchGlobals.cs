using System.Numerics;

namespace SsdLite.Platform.Serialization;

/// <summary>
/// The allow list of Python globals a state_dict pickle may name. Unpickling anything else would mean running
/// arbitrary code, so every other global is refused by name.
/// </summary>
internal static class TorchGlobals
{
    private static readonly Dictionary<string, ScalarType> StorageTypes = new()
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    private static readonly PickleCallable OrderedDict = new("collections.OrderedDict", NewOrderedDict);
    private static readonly PickleCallable RebuildTensorV2 = new("torch._utils._rebuild_tensor_v2", RebuildTensor);
    private static readonly PickleCallable RebuildTensorV1 = new("torch._utils._rebuild_tensor", RebuildTensor);
    private static readonly PickleCallable RebuildParameter = new("torch._utils._rebuild_parameter", UnwrapParameter);

    /// <summary>Resolves an allow-listed global, or returns false for anything the reader must not run.</summary>
    public static bool TryResolve(string module, string name, out object? value)
    {
        value = (module, name) switch
        {
            ("collections", "OrderedDict") => OrderedDict,
            ("torch._utils", "_rebuild_tensor_v2") => RebuildTensorV2,
            ("torch._utils", "_rebuild_tensor") => RebuildTensorV1,
            ("torch._utils", "_rebuild_parameter") => RebuildParameter,
            ("torch", _) when StorageTypes.TryGetValue(name, out ScalarType dtype) => new StorageType(name, dtype),
            _ => null,
        };
        return value is not null;
    }

    // OrderedDict() arrives empty; its items follow through SETITEMS. OrderedDict(()) — an empty iterable of pairs, as
    // TorchSharp.PyBridge writes a tensor's backward hooks — is the same empty dict to Python.
    private static object NewOrderedDict(object?[] args) =>
        args.Length == 0 || (args.Length == 1 && args[0] is object?[] { Length: 0 }) ? new PickleDict()
            : throw Bad("collections.OrderedDict called with arguments");

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]);
    // the older _rebuild_tensor takes the first four. Gradient flags and hooks mean nothing to a state_dict.
    private static object RebuildTensor(object?[] args)
    {
        if (args.Length < 4)
            throw Bad($"_rebuild_tensor expects at least 4 arguments, got {args.Length}");
        if (args[0] is not StorageRef storage)
            throw Bad($"_rebuild_tensor expects a storage, got {Describe(args[0])}");
        long offset = AsLong(args[1], "storage_offset");
        long[] shape = AsLongArray(args[2], "size");
        long[] stride = AsLongArray(args[3], "stride");
        if (shape.Length != stride.Length)
            throw Bad($"tensor has {shape.Length} sizes but {stride.Length} strides");
        return new TensorRecipe(storage, offset, shape, stride);
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks): the parameter's data is the tensor.
    private static object? UnwrapParameter(object?[] args) =>
        args.Length >= 1 && args[0] is TensorRecipe tensor ? tensor : throw Bad("_rebuild_parameter without a tensor");

    public static long AsLong(object? value, string what) => value switch
    {
        long v => v,
        BigInteger v when v >= long.MinValue && v <= long.MaxValue => (long)v,
        _ => throw Bad($"{what} should be an int, got {Describe(value)}"),
    };

    public static long[] AsLongArray(object? value, string what) => value switch
    {
        object?[] tuple => [.. tuple.Select(v => AsLong(v, what))],
        List<object?> list => [.. list.Select(v => AsLong(v, what))],
        _ => throw Bad($"{what} should be a tuple of ints, got {Describe(value)}"),
    };

    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        object?[] t => $"a tuple of {t.Length}",
        List<object?> l => $"a list of {l.Count}",
        PickleDict d => $"a dict of {d.Count}",
        long or BigInteger => $"the int {value}",
        double => "a float",
        bool b => b ? "True" : "False",
        byte[] => "bytes",
        TensorRecipe => "a tensor",
        StorageRef => "a storage",
        _ => value.ToString() ?? value.GetType().Name,
    };

    private static InvalidDataException Bad(string problem) => new(problem);
}
