namespace SsdLite.Core.Evaluation;

/// <summary>How average precision integrates the precision/recall curve.</summary>
public enum VocMetric
{
    /// <summary>VOC2007 11-point: mean of the best precision at recall &gt;= 0, 0.1, ..., 1.</summary>
    Voc07,

    /// <summary>VOC2010 and later: area under the monotone precision envelope at every recall step.</summary>
    Voc12,
}
