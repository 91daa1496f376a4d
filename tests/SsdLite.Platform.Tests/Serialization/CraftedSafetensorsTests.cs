using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using static TorchSharp.torch;
using SsdLite.Platform.Serialization;
using SsdLite.Tests.Shared;

namespace SsdLite.Platform.Tests.Serialization;

/// <summary>
/// safetensors files written byte by byte from the format's description (an 8-byte little-endian header length, a
/// JSON header, the data), good and crafted. Each crafted one ends in an InvalidDataException naming the file and the
/// field within a few seconds, raising the resident-memory peak by under 256 MiB (so the class runs alone).
/// </summary>
[Collection(ResidentMemory.Collection)]
public sealed class CraftedSafetensorsTests
{
    private static byte[] File(string header, byte[] data, ulong? declaredLength = null) => File(Encoding.UTF8.GetBytes(header), data, declaredLength);

    private static byte[] File(byte[] json, byte[] data, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] Floats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    private static InvalidDataException Refused(byte[] content)
    {
        using var file = PthFixtures.TempFile.With(content);
        var clock = Stopwatch.StartNew();
        var error = ResidentMemory.Bounded(() => Assert.Throws<InvalidDataException>(() => SafetensorsReader.Read(file.Path)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.StartsWith(file.Path + ": ", error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void TensorsAreReadInTheOrderOfTheirBytesWithTheirDtypesAndShapes()
    {
        // The header lists b before a, and pads itself with spaces as the format allows; the data holds a first.
        var header = """{"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[],"data_offsets":[24,32]},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}   """;
        using var file = PthFixtures.TempFile.With(File(header, [.. Floats(1, 2, 3, 4, 5, 6), .. BitConverter.GetBytes(-7L)]));
        Assert.True(SafetensorsReader.IsSafetensors(file.Path));
        var read = SafetensorsReader.Read(file.Path);
        Assert.Equal(["a", "b"], read.Select(kv => kv.Key));
        Assert.Equal(ScalarType.Float32, read[0].Value.DType);
        Assert.Equal([2L, 3L], read[0].Value.Shape);
        Assert.Equal(Floats(1, 2, 3, 4, 5, 6), read[0].Value.Data);
        Assert.Equal((ScalarType.Int64, 1L), (read[1].Value.DType, read[1].Value.NumElements));
        Assert.Equal(-7L, BitConverter.ToInt64(read[1].Value.Data));
    }

    [Fact]
    public void AHeaderLengthPastTheLimitIsRefusedBeforeItIsRead()
    {
        var error = Refused(File("{}", [], declaredLength: ulong.MaxValue));
        Assert.EndsWith($"header length {ulong.MaxValue} is more than the limit of 100000000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderLengthPastTheFileIsRefused()
    {
        var error = Refused(File("{}", [], declaredLength: 99_999_999));
        Assert.EndsWith("header length 99999999 is more than the 2 bytes after it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[100000,100000],"data_offsets":[0,16]}}""", "tensor 'w': shape [100000, 100000] of Float32 needs 40000000000 bytes, data_offsets span 16")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,16]}}""", "tensor 'w': shape [4294967296, 4294967296, 4294967296] holds more than 2^63 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[600000000],"data_offsets":[0,2400000000]}}""", "tensor 'w': 2400000000 bytes is more than one .NET array can hold")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,9223372036854775807]}}""", "tensor 'w': shape [4] of Float32 needs 16 bytes, data_offsets span 9223372036854775807")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", "tensor 'v': data_offsets begin at 4, the previous tensor ends at 8")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "tensor 'w': data_offsets begin at 8, the previous tensor ends at 0")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "the tensors span 8 bytes of data, the file holds 16 after the header")]
    [InlineData("""{"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}""", "the tensors span 32 bytes of data, the file holds 16 after the header")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}}""", "tensor 'w': shape[0] is not a whole number from 0 to 2^63-1")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}}""", "tensor 'w': data_offsets must be [begin, end] with begin <= end")]
    [InlineData("""{"w":{"dtype":"C64","shape":[2],"data_offsets":[0,16]}}""", "tensor 'w': dtype 'C64' is not one SsdLite reads (F32, F64, F16, BF16, I64, I32, I16, I8, U8, BOOL)")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4]}}""", "tensor 'w': data_offsets missing or not a list")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "header names tensor 'w' twice")]
    [InlineData("""{"__metadata__":{"n":1},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "header's __metadata__.n is not a string")]
    [InlineData("""{"w":{"dtype":"F32","shape":[[[[4]]]],"data_offsets":[0,16]}}""", "header is not valid JSON")]
    [InlineData("""["w"]""", "header does not start with '{'")]
    [InlineData("""{"w":""", "header is not valid JSON")]
    public void ACraftedHeaderIsRefusedByName(string header, string message)
    {
        var error = Refused(File(header, Floats(1, 2, 3, 4)));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHeaderThatIsNotUtf8IsRefusedByTheOffset()
    {
        // Fuzzing's finding: JsonDocument took a 0xBA inside a name and failed only on reading it, with an
        // InvalidOperationException. The bad byte is the header's fourth, the file's twelfth (offset 11).
        var header = Encoding.UTF8.GetBytes("""{"a?":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""");
        header[3] = 0xBA;
        var error = Refused(File(header, Floats(1, 2, 3, 4)));
        Assert.EndsWith("header is not UTF-8 text: invalid byte 0xBA at offset 11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileCutInsideItsHeaderIsNotSafetensors()
    {
        using var file = PthFixtures.TempFile.With(File("{\"w\":1}", [], declaredLength: 1000)[..12]);
        Assert.False(SafetensorsReader.IsSafetensors(file.Path));
        using var pickle = PthFixtures.TempFile.With([0x80, 2, (byte)'}', 0, 0, 0, 0, 0, 0]);
        Assert.False(SafetensorsReader.IsSafetensors(pickle.Path));
    }
}
