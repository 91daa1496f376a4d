namespace SsdLite.Data;

/// <summary>Thrown when data problems stop work: a strict <see cref="DataCheck"/>, or reading one bad sample.</summary>
public sealed class DataCheckException : Exception
{
    /// <summary>Creates the exception; its message lists every issue, one per line.</summary>
    public DataCheckException(string summary, IReadOnlyList<DataIssue> issues)
        : base(FormatMessage(summary, issues))
    {
        Issues = issues;
    }

    /// <summary>The problems found, in file order.</summary>
    public IReadOnlyList<DataIssue> Issues { get; }

    private static string FormatMessage(string summary, IReadOnlyList<DataIssue> issues) =>
        string.Join(Environment.NewLine, issues.Select(i => i.ToString()).Prepend(summary));
}
