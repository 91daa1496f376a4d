using ScalarType = TorchSharp.torch.ScalarType;
using System.IO.Compression;
using SsdLite.Platform.Serialization;

namespace SsdLite.Platform.Tests.Serialization;

public sealed class PthReaderTests
{
    private const string ZipSmall = "small-zip.pth";
    private const string LegacySmall = "small-legacy.pth";

    [Theory]
    [InlineData(ZipSmall)]
    [InlineData(LegacySmall)]
    [InlineData("small-zip-proto4.pth")]
    [InlineData("small-legacy-proto4.pth")]
    public void Read_SmallStateDict_EqualsNumpyValuesExactly(string fixture)
    {
        IReadOnlyList<PthFixtures.Expected> expected = PthFixtures.SmallStateDict();

        IReadOnlyList<KeyValuePair<string, PthTensor>> actual = PthReader.Read(PthFixtures.Pth(fixture));

        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        foreach ((PthFixtures.Expected want, KeyValuePair<string, PthTensor> got) in expected.Zip(actual))
        {
            Assert.Equal(want.DType, got.Value.DType);
            Assert.Equal(want.Shape, got.Value.Shape);
            Assert.True(want.Data.AsSpan().SequenceEqual(got.Value.Data), $"values of '{want.Key}' differ");
        }
    }

    [Theory]
    [InlineData(ZipSmall)]
    [InlineData(LegacySmall)]
    public void Read_ViewsOfOneStorage_AreMaterializedByTheirOwnStrides(string fixture)
    {
        Dictionary<string, PthTensor> tensors = PthReader.Read(PthFixtures.Pth(fixture)).ToDictionary();
        float[] base3x4 = Floats(tensors["shared.base"]);

        float[] transposed = Floats(tensors["shared.transposed"]);
        float[] offset = Floats(tensors["shared.offset"]);

        Assert.Equal([4L, 3L], tensors["shared.transposed"].Shape);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => base3x4[(i % 3 * 4) + (i / 3)]), transposed);
        Assert.Equal([2L, 3L], tensors["shared.offset"].Shape);
        Assert.Equal([base3x4[5], base3x4[6], base3x4[7], base3x4[9], base3x4[10], base3x4[11]], offset);
        Assert.Equal(base3x4[7..], Floats(tensors["shared.flat_tail"]));
    }

    [Fact]
    public void Read_ScalarAndEmptyTensors_KeepTheirShapes()
    {
        Dictionary<string, PthTensor> tensors = PthReader.Read(PthFixtures.Pth(ZipSmall)).ToDictionary();

        PthTensor counter = tensors["bn.num_batches_tracked"];
        PthTensor empty = tensors["empty"];

        Assert.Empty(counter.Shape);
        Assert.Equal(123456789012L, BitConverter.ToInt64(counter.Data));
        Assert.Equal([0L, 3L], empty.Shape);
        Assert.Empty(empty.Data);
        Assert.Equal(0, empty.NumElements);
    }

    [Fact]
    public void Read_LegacyTwin_EqualsZipTwin()
    {
        AssertSameTensors(PthReader.Read(PthFixtures.Pth(ZipSmall)), PthReader.Read(PthFixtures.Pth(LegacySmall)));
    }

    [Fact]
    public void Read_OracleCheckpoint_MatchesReferenceKeysAndShapes()
    {
        var reference = PthFixtures.ReferenceTable(PthFixtures.Oracle("mb2-ssd-lite-21-state-dict.txt"));

        IReadOnlyList<KeyValuePair<string, PthTensor>> tensors = PthReader.Read(PthFixtures.Oracle("mb2-ssd-lite-seed1234-c21.pth"));

        Assert.Equal(reference.Select(r => r.Key), tensors.Select(t => t.Key));
        Assert.Equal(reference.Select(r => r.DType), tensors.Select(t => t.Value.DType));
        Assert.Equal(reference.Select(r => string.Join(",", r.Shape)), tensors.Select(t => string.Join(",", t.Value.Shape)));
        Assert.All(tensors, t => Assert.Equal(t.Value.NumElements * ElementSize(t.Value.DType), t.Value.Data.LongLength));
    }

    [Fact]
    public void Read_OracleLegacyResave_EqualsZipOriginal()
    {
        AssertSameTensors(
            PthReader.Read(PthFixtures.Oracle("mb2-ssd-lite-seed1234-c21.pth")),
            PthReader.Read(PthFixtures.Oracle("mb2-ssd-lite-seed1234-c21-legacy.pth")));
    }

    [Theory]
    [InlineData(ZipSmall, true)]
    [InlineData(LegacySmall, true)]
    [InlineData("small-legacy-proto4.pth", true)]
    [InlineData("evil-legacy.pth", false)]
    [InlineData("expected.json", false)]
    [InlineData("make_fixtures.py", false)]
    [InlineData("does-not-exist.pth", false)]
    public void IsPth_SniffsContent(string fixture, bool expected)
    {
        Assert.Equal(expected, PthReader.IsPth(PthFixtures.Pth(fixture)));
    }

    [Fact]
    public void IsPth_ZipWithoutPickle_IsFalse_AndRenamedCheckpoint_IsTrue()
    {
        using PthFixtures.TempFile plainZip = PthFixtures.TempFile.With(ZipOf(("notes/readme.txt", [1, 2, 3])));
        using PthFixtures.TempFile renamed = PthFixtures.TempFile.With(File.ReadAllBytes(PthFixtures.Pth(LegacySmall)));

        Assert.False(PthReader.IsPth(plainZip.Path));
        Assert.True(PthReader.IsPth(renamed.Path));
    }

    [Theory]
    [InlineData(ZipSmall)]
    [InlineData(LegacySmall)]
    public void Read_TruncatedFile_IsRefusedNamingTheFile(string fixture)
    {
        int length = (int)new FileInfo(PthFixtures.Pth(fixture)).Length;
        int[] cuts = [0, 1, 3, 4, 10, 15, 40, 200, length / 2, length - 100, length - 9, length - 1];

        foreach (int cut in cuts)
        {
            using PthFixtures.TempFile truncated = PthFixtures.Truncated(PthFixtures.Pth(fixture), cut);
            var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(truncated.Path));
            Assert.Contains(truncated.Path, error.Message);
            Assert.Matches("truncated|bad magic", error.Message);
        }
    }

    [Theory]
    [InlineData("evil-zip.pth")]
    [InlineData("evil-legacy.pth")]
    public void Read_DisallowedGlobal_IsRefusedByName(string fixture)
    {
        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(PthFixtures.Pth(fixture)));

        Assert.Contains("refused global", error.Message);
        Assert.Contains("system", error.Message);
        Assert.Contains(fixture, error.Message);
    }

    [Fact]
    public void Read_UnknownOpcode_NamesTheByteAndOffset()
    {
        using PthFixtures.TempFile file = PthFixtures.TempFile.With([0x80, 0x02, 0xFF]);

        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(file.Path));

        Assert.Contains("0xFF", error.Message);
        Assert.Contains("offset 2", error.Message);
    }

    [Fact]
    public void Read_TrainingStateInsteadOfStateDict_NamesTheOffendingKey()
    {
        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(PthFixtures.Pth("training-state.pth")));

        Assert.Contains("'model'", error.Message);
        Assert.Contains("not a tensor", error.Message);
    }

    [Fact]
    public void Read_PickleWithoutMagic_ReportsBadMagic()
    {
        // PROTO 2, BININT1 7, STOP: a pickle, but not a checkpoint.
        using PthFixtures.TempFile file = PthFixtures.TempFile.With([0x80, 0x02, (byte)'K', 7, (byte)'.']);

        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(file.Path));

        Assert.Contains("bad magic number", error.Message);
    }

    [Fact]
    public void Read_NotACheckpoint_ReportsBadMagic()
    {
        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(PthFixtures.Pth("expected.json")));

        Assert.Contains("bad magic", error.Message);
        Assert.Contains("expected.json", error.Message);
    }

    [Fact]
    public void Read_ZipMissingAStorage_NamesTheEntry()
    {
        using var source = ZipFile.OpenRead(PthFixtures.Pth(ZipSmall));
        var kept = source.Entries.Where(e => e.FullName != "small-zip/data/3")
            .Select(e => (e.FullName, ReadAll(e))).ToArray();
        using PthFixtures.TempFile damaged = PthFixtures.TempFile.With(ZipOf(kept));

        var error = Assert.Throws<InvalidDataException>(() => PthReader.Read(damaged.Path));

        Assert.Contains("missing storage entry 'small-zip/data/3'", error.Message);
        Assert.Contains(damaged.Path, error.Message);
    }

    private static void AssertSameTensors(IReadOnlyList<KeyValuePair<string, PthTensor>> expected, IReadOnlyList<KeyValuePair<string, PthTensor>> actual)
    {
        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        foreach ((KeyValuePair<string, PthTensor> want, KeyValuePair<string, PthTensor> got) in expected.Zip(actual))
        {
            Assert.Equal(want.Value.DType, got.Value.DType);
            Assert.Equal(want.Value.Shape, got.Value.Shape);
            Assert.True(want.Value.Data.AsSpan().SequenceEqual(got.Value.Data), $"values of '{want.Key}' differ");
        }
    }

    private static float[] Floats(PthTensor tensor)
    {
        Assert.Equal(ScalarType.Float32, tensor.DType);
        return [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data)];
    }

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.Int64 => 8,
        _ => throw new ArgumentException($"unexpected dtype {dtype} in the oracle"),
    };

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var buffer = new MemoryStream();
        using (Stream source = entry.Open())
            source.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] ZipOf(params (string Name, byte[] Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] content) in entries)
            {
                using Stream target = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                target.Write(content);
            }
        }
        return buffer.ToArray();
    }
}
