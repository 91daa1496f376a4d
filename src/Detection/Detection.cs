namespace SsdLite.Detection;

/// <summary>
/// One detected object: class (1-based, 0 is background), optional class name, score and box in the
/// original image's pixels.
/// </summary>
/// <remarks>
/// Code in another <c>SsdLite.*</c> namespace that writes plain <c>Detection</c> finds the namespace
/// <c>SsdLite.Detection</c> before any using directive; such code names the type
/// <c>SsdLite.Detection.Detection</c> or aliases it.
/// </remarks>
public readonly record struct Detection(int ClassId, string? Label, float Score, BoxF Box);
