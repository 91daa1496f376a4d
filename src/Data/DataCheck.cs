using SsdLite.Vision;

namespace SsdLite.Data;

/// <summary>
/// The pass over a dataset that <c>ssdlite train</c> runs before epoch 1 (and users run on its own): every
/// problem is found up front and named with its file, so training never crashes mid-epoch and never drops a
/// sample silently. Under <see cref="DataCheckPolicy.Report"/> the bad samples are skipped and counted; under
/// <see cref="DataCheckPolicy.Strict"/> the pass throws a <see cref="DataCheckException"/> listing them all.
/// </summary>
public static class DataCheck
{
    /// <summary>
    /// The probe <see cref="DataCheckOptions"/> uses unless told otherwise: a full decode with
    /// <see cref="ImageIO"/>, the decoder training uses, so an image that passes here also loads there.
    /// </summary>
    public static ImageProbe DefaultProbe { get; } = ImageIO.ReadSize;

    /// <summary>Checks one split of several roots (see <see cref="VocReader.ListEntries(IEnumerable{string}, string)"/>).</summary>
    public static DataCheckResult Run(IEnumerable<string> roots, string split, Labels labels, DataCheckOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Run(VocReader.ListEntries(roots, split), labels, options, cancellationToken);

    /// <summary>Checks the given entries; the result keeps the good samples in entry order.</summary>
    public static DataCheckResult Run(IReadOnlyList<VocEntry> entries, Labels labels, DataCheckOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new DataCheckOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1, nameof(options.Parallelism));

        var samples = new AnnotatedImage?[entries.Count];
        var issuesPerEntry = new List<DataIssue>[entries.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken };
        Parallel.For(0, entries.Count, parallel, i =>
        {
            issuesPerEntry[i] = [];
            samples[i] = CheckEntry(entries[i], labels, options.Probe, issuesPerEntry[i]);
        });

        var result = new DataCheckResult(entries.Count, samples.OfType<AnnotatedImage>().ToArray(), issuesPerEntry.SelectMany(l => l).ToArray());
        Publish(result, options);
        return result;
    }

    /// <summary>
    /// Checks what a COCO or YOLO reader found: its issues are reported with any found here, and, with a probe and
    /// <paramref name="probeImages"/>, each sample's image is decoded and its size compared with the annotation's.
    /// </summary>
    public static DataCheckResult Run(DatasetRead read, DataCheckOptions? options = null, bool probeImages = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        options ??= new DataCheckOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallelism, 1, nameof(options.Parallelism));
        var kept = new AnnotatedImage?[read.Samples.Count];
        var issuesPerSample = new List<DataIssue>[read.Samples.Count];
        var probe = probeImages ? options.Probe : null;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellationToken };
        Parallel.For(0, read.Samples.Count, parallel, i =>
        {
            issuesPerSample[i] = [];
            kept[i] = probe is null || ImageAgrees(read.Samples[i], probe, issuesPerSample[i]) ? read.Samples[i] : null;
        });
        var issues = read.Issues.Concat(issuesPerSample.SelectMany(l => l)).ToArray();
        var result = new DataCheckResult(read.Listed, kept.OfType<AnnotatedImage>().ToArray(), issues);
        Publish(result, options);
        return result;
    }

    /// <summary>Checks one entry: annotation, file presence and, with a probe, the image itself.</summary>
    public static AnnotatedImage? CheckEntry(VocEntry entry, Labels labels, ImageProbe? probe, ICollection<DataIssue> issues)
    {
        AnnotatedImage? sample = VocReader.TryRead(entry, labels, issues);
        if (sample is null || probe is null)
        {
            return sample;
        }
        return ImageAgrees(sample, probe, issues) ? sample : null;
    }

    private static bool ImageAgrees(AnnotatedImage sample, ImageProbe probe, ICollection<DataIssue> issues)
    {
        (int width, int height) decoded;
        try
        {
            decoded = probe(sample.ImagePath);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            issues.Add(new DataIssue(sample.ImagePath, DataIssueKind.UnreadableImage, $"unreadable image: {e.Message}"));
            return false;
        }
        if (decoded.width != sample.Width || decoded.height != sample.Height)
        {
            issues.Add(new DataIssue(sample.AnnotationPath, DataIssueKind.SizeMismatch,
                $"{SizeSource(sample)} {sample.Width}x{sample.Height} but the image {sample.ImagePath} decodes as {decoded.width}x{decoded.height}"));
            return false;
        }
        return true;
    }

    private static string SizeSource(AnnotatedImage sample) =>
        sample.AnnotationPath.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? "<size> says" : $"image {sample.Id}'s width and height say";

    private static void Publish(DataCheckResult result, DataCheckOptions options)
    {
        if (options.Log is { } log)
        {
            foreach (DataIssue issue in result.Issues)
            {
                log.WriteLine(issue);
            }
            log.WriteLine(result.Summary);
        }
        if (options.Policy == DataCheckPolicy.Strict && result.Issues.Count > 0)
        {
            throw new DataCheckException($"{result.Summary}; strict data check, refusing to start", result.Issues);
        }
    }
}
