namespace SsdLite.Detection.Tests.Model;

/// <summary>
/// Tests that seed libtorch's global generator and need the same draws every run: they run alone, so no test in
/// another class draws from the generator between their seed and their model.
/// </summary>
[CollectionDefinition("Generator", DisableParallelization = true)]
public sealed class GeneratorCollection
{
}
