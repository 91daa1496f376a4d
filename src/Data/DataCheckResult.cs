namespace SsdLite.Data;

/// <summary>What a <see cref="DataCheck"/> pass found: the usable samples and every problem, in file order.</summary>
public sealed class DataCheckResult
{
    internal DataCheckResult(int checkedCount, IReadOnlyList<AnnotatedImage> samples, IReadOnlyList<DataIssue> issues)
    {
        CheckedCount = checkedCount;
        Samples = samples;
        Issues = issues;
    }

    /// <summary>How many images the split lists.</summary>
    public int CheckedCount { get; }

    /// <summary>The samples without problems, in split order.</summary>
    public IReadOnlyList<AnnotatedImage> Samples { get; }

    /// <summary>Every problem found, one per file and fault.</summary>
    public IReadOnlyList<DataIssue> Issues { get; }

    /// <summary>How many images were left out because of problems.</summary>
    public int SkippedCount => CheckedCount - Samples.Count;

    /// <summary>One line: counts of images, skips and issues by kind.</summary>
    public string Summary
    {
        get
        {
            string head = $"data check: {CheckedCount} images, {Samples.Count} kept, {SkippedCount} skipped, {Issues.Count} issues";
            if (Issues.Count == 0)
            {
                return head;
            }
            var byKind = Issues.GroupBy(i => i.Kind).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}");
            return $"{head} ({string.Join(", ", byKind)})";
        }
    }
}
