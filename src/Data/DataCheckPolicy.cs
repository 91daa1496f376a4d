namespace SsdLite.Data;

/// <summary>What <see cref="DataCheck"/> does when it finds problems.</summary>
public enum DataCheckPolicy
{
    /// <summary>Report every problem, skip the samples concerned, go on, and print a summary count.</summary>
    Report,

    /// <summary>Refuse to start: throw a <see cref="DataCheckException"/> listing every problem.</summary>
    Strict,
}
