namespace SsdLite.Data;

/// <summary>One problem with one file. <see cref="ToString"/> gives the line users see: "FILE: MESSAGE".</summary>
/// <param name="File">The file the problem is in, or the file that is missing.</param>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Message">What is wrong, without the file name.</param>
public sealed record DataIssue(string File, DataIssueKind Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}: {Message}";
}
