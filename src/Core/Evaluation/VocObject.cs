using SsdLite.Runtime;

namespace SsdLite.Core.Evaluation;

/// <summary>A ground-truth object of one image for evaluation: class id, box in pixels, difficult flag.</summary>
public readonly record struct VocObject(int ClassId, BoxF Box, bool Difficult = false);
