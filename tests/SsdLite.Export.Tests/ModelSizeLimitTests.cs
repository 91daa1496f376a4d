using SsdLite.Runtime;

namespace SsdLite.Export.Tests;

[Collection(ResidentMemory.Collection)]
public sealed class ModelSizeLimitTests
{
    [Fact]
    public void AModelFilePastTheSizeLimitIsRefusedBeforeOnnxRuntimeReadsIt()
    {
        using var folder = new TempFolder("big-model");
        // Sparse: one byte past the limit, no disk or memory behind it.
        using (var stream = File.Create(folder["big.onnx"])) stream.SetLength(OnnxDetectorOptions.DefaultMaxModelBytes + 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = ResidentMemory.Bounded(() => Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(folder["big.onnx"])));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal($"{folder["big.onnx"]}: the model is {(512L << 20) + 1} bytes, more than the limit of {512L << 20} (512 MiB; SSDLITE_MAX_MODEL_BYTES raises it)", e.Message);
        // The same limit for a model held in memory, lowered so the test holds only a small array.
        var small = Assert.Throws<InvalidDataException>(() => OnnxDetector.Load(new byte[2048], "in-memory.onnx", null, new OnnxDetectorOptions { MaxModelBytes = 1024 }));
        Assert.StartsWith("in-memory.onnx: the model is 2048 bytes, more than the limit of 1024", small.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1048576", 1048576L)]
    [InlineData("1", 1L)]
    [InlineData(null, 512L << 20)]
    [InlineData("", 512L << 20)]
    [InlineData("0", 512L << 20)]
    [InlineData("-5", 512L << 20)]
    [InlineData("1e9", 512L << 20)]
    [InlineData("2GiB", 512L << 20)]
    public void TheEnvironmentVariableSetsTheLimitOnlyWithAPositiveWholeNumber(string? value, long expected) =>
        Assert.Equal(expected, OnnxDetectorOptions.MaxModelBytesFromEnvironment(value));
}
