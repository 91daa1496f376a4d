namespace SsdLite.Data;

/// <summary>
/// Encodes one image's ground truth against the priors (the detector's matcher and box coder). Called from
/// loader worker threads at once, so it must be thread-safe.
/// </summary>
/// <param name="boxesRelCorner">4 values per object: xmin, ymin, xmax, ymax relative to the network input (0..1).</param>
/// <param name="labels">Class id per object, 1..N.</param>
/// <param name="difficult">Difficult flag per object (priors matched to them are to be ignored).</param>
/// <param name="locOut">4 values per prior, to fill.</param>
/// <param name="labelOut">One class id per prior, to fill (0 = background).</param>
public delegate void TargetEncoder(
    ReadOnlySpan<float> boxesRelCorner, ReadOnlySpan<int> labels, ReadOnlySpan<bool> difficult, Span<float> locOut, Span<long> labelOut);
