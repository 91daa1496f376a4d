namespace SsdLite.Runtime;

/// <summary>
/// One detected object: class (1-based, 0 is background), optional class name, score and box in the
/// original image's pixels. (Not named "Detection": that name is this assembly's namespace.)
/// </summary>
public readonly record struct DetectedObject(int ClassId, string? Label, float Score, BoxF Box);
