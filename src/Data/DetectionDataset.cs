using System.Collections;

namespace SsdLite.Data;

/// <summary>
/// The checked samples of one split of one or more VOC roots, with their labels. Build it with
/// <see cref="Open"/>, which runs <see cref="DataCheck"/> first, so every sample here is usable.
/// </summary>
public sealed class DetectionDataset : IReadOnlyList<AnnotatedImage>
{
    private readonly IReadOnlyList<AnnotatedImage> _samples;

    /// <summary>Wraps samples already read and checked.</summary>
    public DetectionDataset(IReadOnlyList<AnnotatedImage> samples, Labels labels, bool keepDifficult = false, IReadOnlyList<DataIssue>? issues = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        _samples = samples;
        Labels = labels;
        KeepDifficult = keepDifficult;
        Issues = issues ?? [];
    }

    /// <summary>The class names; class ids of the objects index into them.</summary>
    public Labels Labels { get; }

    /// <summary>Whether training targets include difficult objects (by default they do not).</summary>
    public bool KeepDifficult { get; }

    /// <summary>The problems the data check found (the samples concerned are not in this dataset).</summary>
    public IReadOnlyList<DataIssue> Issues { get; }

    /// <inheritdoc />
    public int Count => _samples.Count;

    /// <inheritdoc />
    public AnnotatedImage this[int index] => _samples[index];

    /// <summary>
    /// Reads and checks one split of the given roots, concatenated in order. <paramref name="labels"/>
    /// defaults to the 20 VOC classes; <paramref name="check"/> to reporting and skipping bad samples.
    /// </summary>
    public static DetectionDataset Open(IEnumerable<string> roots, string split, Labels? labels = null, bool keepDifficult = false,
        DataCheckOptions? check = null, CancellationToken cancellationToken = default)
    {
        labels ??= Labels.Voc;
        DataCheckResult result = DataCheck.Run(roots, split, labels, check, cancellationToken);
        return new DetectionDataset(result.Samples, labels, keepDifficult, result.Issues);
    }

    /// <summary>The objects of a sample that become training targets under <see cref="KeepDifficult"/>.</summary>
    public IReadOnlyList<AnnotatedObject> TrainingObjects(int index) => _samples[index].TrainingObjects(KeepDifficult);

    /// <inheritdoc />
    public IEnumerator<AnnotatedImage> GetEnumerator() => _samples.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
