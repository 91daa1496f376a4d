using SsdLite.Runtime;

namespace SsdLite.Core.Evaluation;

/// <summary>A ground-truth object of one image for evaluation: class id, box in pixels, difficult flag.</summary>
public readonly record struct GroundTruthBox(int ClassId, BoxF Box, bool Difficult = false);
