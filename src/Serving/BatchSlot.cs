using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>
/// One request's share of a batch: every output of the batch's run (<see cref="Tensors"/>, what infer answers with),
/// the scores and boxes as post-processing reads them (<see cref="Raw"/>, null for a model without them), the index
/// of the request's first image and its image count, and how long it waited and ran.
/// </summary>
internal readonly record struct BatchSlot(IReadOnlyList<NamedTensor> Tensors, RawPredictions? Raw, int Index, int Images, int BatchSize,
    double QueueMs, double InferenceMs);
