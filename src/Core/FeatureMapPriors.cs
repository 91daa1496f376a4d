namespace SsdLite.Core;

/// <summary>
/// The priors of one source feature map: its size at the spec's image size, the stride the reference
/// uses for centres (not always image size / feature size), and the min/max box sizes in pixels.
/// </summary>
public readonly record struct FeatureMapPriors(int FeatureMapSize, float Shrinkage, float MinSize, float MaxSize);
