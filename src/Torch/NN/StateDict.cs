namespace SsdLite.Torch.NN;

/// <summary>Keys that <see cref="Module.load_state_dict"/> did not find (missing) or did not use (unexpected).</summary>
public sealed record StateDictLoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>A state dict that does not fit the module; <see cref="Problems"/> lists one line per key.</summary>
public sealed class StateDictException : Exception
{
    public StateDictException(string message, IReadOnlyList<string> problems) : base(message) => Problems = problems;

    public IReadOnlyList<string> Problems { get; }
}
