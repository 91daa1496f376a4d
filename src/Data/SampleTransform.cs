namespace SsdLite.Data;

/// <summary>
/// Loads and augments one sample: writes the network input (3×S×S floats, CHW) into <paramref name="imageOut"/>
/// and returns its objects. All randomness must come from <paramref name="seed"/>. Called from worker
/// threads at once; throwing reports the sample as failed and the loader replaces it.
/// </summary>
public delegate SampleTargets SampleTransform<in TSample>(TSample sample, ulong seed, Span<float> imageOut);
