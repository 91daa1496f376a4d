using SsdLite.Runtime;

namespace SsdLite.Serving;

/// <summary>One request's share of a batch: the batch's raw outputs, its index in them, and how long it waited and ran.</summary>
internal readonly record struct BatchSlot(RawPredictions Raw, int Index, int BatchSize, double QueueMs, double InferenceMs);
