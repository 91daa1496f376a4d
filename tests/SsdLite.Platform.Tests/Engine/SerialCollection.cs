namespace SsdLite.Platform.Tests.Engine;

/// <summary>Tests that measure the process (resident memory) or load both cores run alone, after the rest.</summary>
[CollectionDefinition("Serial", DisableParallelization = true)]
public sealed class SerialCollection
{
}
