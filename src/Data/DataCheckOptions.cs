namespace SsdLite.Data;

/// <summary>Decodes an image far enough to know its size; throws, naming the file, when it cannot.</summary>
public delegate (int Width, int Height) ImageProbe(string imagePath);

/// <summary>Settings of a <see cref="DataCheck"/> pass.</summary>
public sealed class DataCheckOptions
{
    /// <summary>Report and skip (the default), or refuse to start.</summary>
    public DataCheckPolicy Policy { get; init; } = DataCheckPolicy.Report;

    /// <summary>
    /// Decodes each image to find unreadable or truncated ones and sizes that disagree with the annotation.
    /// Null checks annotations and file presence only, which is quick enough for every start of a run.
    /// </summary>
    public ImageProbe? Probe { get; init; } = DataCheck.DefaultProbe;

    /// <summary>Where issues and the summary are printed; null prints nothing.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Samples checked at once; image decoding dominates, so this follows the cores.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}
