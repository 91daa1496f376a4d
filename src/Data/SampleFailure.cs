namespace SsdLite.Data;

/// <summary>A sample that failed to load during an epoch, and what took its place.</summary>
/// <param name="Epoch">The epoch.</param>
/// <param name="SampleIndex">Index of the failed sample in the source.</param>
/// <param name="Source">The sample's file or description.</param>
/// <param name="Reason">Why it failed (the exception's message, which names the file where the reader knows it).</param>
/// <param name="Error">The exception.</param>
/// <param name="ReplacementIndex">Index of the sample tried next in its place: the next one in the epoch's order.</param>
public sealed record SampleFailure(int Epoch, int SampleIndex, string Source, string Reason, Exception Error, int ReplacementIndex)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}: {Source}: {Reason} (replaced by sample {ReplacementIndex})";
}
