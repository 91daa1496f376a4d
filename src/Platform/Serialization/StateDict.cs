namespace SsdLite.Platform.Serialization;

/// <summary>What both checkpoint formats share: storage persistent ids, and turning the unpickled dict into tensors.</summary>
internal static class StateDict
{
    /// <summary>
    /// Parses a storage persistent id: <c>('storage', type, key, location, numel)</c> in zip files, plus a sixth
    /// entry in legacy files, <c>view_metadata</c>: None, or <c>(view_key, offset, size)</c> for a storage view.
    /// </summary>
    public static StorageRef ParseStorageId(object? persistentId)
    {
        if (persistentId is not object?[] { Length: 5 or 6 } id || id[0] is not "storage")
            throw new InvalidDataException($"unsupported persistent id {TorchGlobals.Describe(persistentId)}; expected a storage");
        if (id[1] is not StorageType type)
            throw new InvalidDataException($"persistent id names {TorchGlobals.Describe(id[1])} instead of a torch storage type");
        if (id[2] is not string key)
            throw new InvalidDataException($"storage key {TorchGlobals.Describe(id[2])} is not a string");
        long numel = TorchGlobals.AsLong(id[4], "storage size");
        if (id.Length == 5 || id[5] is null)
            return new StorageRef(type, key, 0, numel);
        long[] view = ParseViewMetadata(id[5]);
        return new StorageRef(type, key, view[0], view[1]);
    }

    private static long[] ParseViewMetadata(object? metadata)
    {
        if (metadata is not object?[] { Length: 3 } view)
            throw new InvalidDataException($"storage view metadata {TorchGlobals.Describe(metadata)} is not (key, offset, size)");
        return [TorchGlobals.AsLong(view[1], "view offset"), TorchGlobals.AsLong(view[2], "view size")];
    }

    /// <summary>
    /// Turns the unpickled root (a dict of name to tensor) into tensors, keys in file order.
    /// <paramref name="rootStorage"/> returns a storage's raw bytes by key, or throws when the file lacks it.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, PthTensor>> Materialize(object? root, Func<StorageRef, byte[]> rootStorage)
    {
        if (root is not PickleDict dict)
            throw new InvalidDataException($"the pickled object is {TorchGlobals.Describe(root)}, not a state_dict (an OrderedDict of tensors)");
        var tensors = new List<KeyValuePair<string, PthTensor>>(dict.Count);
        foreach ((object key, object? value) in dict.Items)
        {
            if (key is not string name)
                throw new InvalidDataException($"state_dict key {TorchGlobals.Describe(key)} is not a string");
            if (value is not TensorRecipe recipe)
                throw new InvalidDataException($"state_dict entry '{name}' is {TorchGlobals.Describe(value)}, not a tensor");
            tensors.Add(new(name, Build(name, recipe, rootStorage)));
        }
        return tensors;
    }

    private static PthTensor Build(string name, TensorRecipe recipe, Func<StorageRef, byte[]> rootStorage)
    {
        StorageRef storage = recipe.Storage;
        byte[] bytes = rootStorage(storage);
        int elementSize = storage.Type.ElementSize;
        // A legacy storage view starts inside its root storage; the tensor's offset counts from the view.
        long available = Math.Min(storage.ElementOffset + storage.NumElements, bytes.LongLength / elementSize);
        try
        {
            byte[] data = StridedCopy.Gather(bytes, available, elementSize, storage.ElementOffset + recipe.StorageOffset, recipe.Shape, recipe.Stride);
            return new PthTensor(storage.Type.DType, recipe.Shape, data);
        }
        catch (Exception e) when (e is InvalidDataException or OverflowException)
        {
            throw new InvalidDataException($"tensor '{name}': {e.Message}", e);
        }
    }
}
