using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using SsdLite.Platform.Checkpoints;
using SsdLite.Platform.Serialization;
using SsdLite.Tests.Shared;

namespace SsdLite.Platform.Tests.Serialization;

/// <summary>
/// Files whose declared sizes lie: each must end in an InvalidDataException naming the file and the field, within a
/// few seconds, raising this process's resident-memory peak by under 256 MiB (so the class runs alone).
/// </summary>
[Collection(ResidentMemory.Collection)]
public class CraftedFileTests
{
    private static InvalidDataException Refused(string path, Action read)
    {
        var clock = Stopwatch.StartNew();
        var error = ResidentMemory.Bounded(() => Assert.Throws<InvalidDataException>(read));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains(path, error.Message);
        return error;
    }

    // ---- a small pickle writer (protocol 2), enough for a state_dict of one tensor ----

    private sealed class Pickle
    {
        private readonly List<byte> _bytes = [0x80, 2];

        public Pickle Op(char opcode)
        {
            _bytes.Add((byte)opcode);
            return this;
        }

        public Pickle Global(string module, string name)
        {
            _bytes.Add((byte)'c');
            _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        public Pickle Str(string s)
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            _bytes.Add((byte)'X');
            _bytes.AddRange(BitConverter.GetBytes(utf8.Length));
            _bytes.AddRange(utf8);
            return this;
        }

        public Pickle Int(int value)
        {
            _bytes.Add((byte)'J');
            _bytes.AddRange(BitConverter.GetBytes(value));
            return this;
        }

        public Pickle Long4(byte[] littleEndian)
        {
            _bytes.Add((byte)0x8B);
            _bytes.AddRange(BitConverter.GetBytes(littleEndian.Length));
            _bytes.AddRange(littleEndian);
            return this;
        }

        public Pickle Tuple(params int[] values)
        {
            Op('(');
            foreach (var v in values) Int(v);
            return Op('t');
        }

        public byte[] Stop() => [.. _bytes, (byte)'.'];
    }

    // OrderedDict(w = _rebuild_tensor_v2(storage('0', FloatStorage, numel), 0, shape, stride, False, OrderedDict())).
    private static byte[] StateDictPickle(int numel, int[] shape, int[] stride) => new Pickle()
        .Global("collections", "OrderedDict").Op(')').Op('R')
        .Op('(').Str("w")
        .Global("torch._utils", "_rebuild_tensor_v2")
        .Op('(')
        .Op('(').Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Int(numel).Op('t').Op('Q')
        .Int(0).Tuple(shape).Tuple(stride).Op('\u0089').Global("collections", "OrderedDict").Op(')').Op('R')
        .Op('t').Op('R')
        .Op('u').Stop();

    private static byte[] Zip(byte[] pickle, byte[] storage)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in new[] { ("archive/data.pkl", pickle), ("archive/data/0", storage) })
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(bytes);
            }
        }
        return memory.ToArray();
    }

    [Theory]
    [InlineData(100_000, 100_000)] // 1e10 elements, 40 GB if expanded
    [InlineData(23_000, 23_000)] // the 551-byte file: 2.1 GB
    [InlineData(8_000, 8_000)] // 256 MB: fits an array, still refused
    public void AStrideZeroViewIsNotExpanded(int rows, int columns)
    {
        using var file = PthFixtures.TempFile.With(Zip(StateDictPickle(4, [rows, columns], [0, 0]), new byte[16]));
        var error = Refused(file.Path, () => PthReader.Read(file.Path));
        Assert.Contains("tensor 'w'", error.Message);
        Assert.Contains("repeats a storage of 4 elements", error.Message);
    }

    [Fact]
    public void ASmallBroadcastViewIsStillRead()
    {
        using var file = PthFixtures.TempFile.With(Zip(StateDictPickle(4, [3, 4], [0, 1]), MemoryMarshalFloats(1, 2, 3, 4)));
        var tensor = Assert.Single(PthReader.Read(file.Path)).Value;
        Assert.Equal([3L, 4L], tensor.Shape);
        Assert.Equal(MemoryMarshalFloats(1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4), tensor.Data);
    }

    private static byte[] MemoryMarshalFloats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    [Fact]
    public void AZipEntryDeclaring2GBIsRefusedBeforeAllocation()
    {
        // 500M floats announced by the pickle; the storage entry holds 16 bytes and claims 2,000,000,000.
        var bytes = Zip(StateDictPickle(500_000_000, [4], [1]), new byte[16]);
        PatchUncompressedSize(bytes, "archive/data/0", 2_000_000_000);
        using var file = PthFixtures.TempFile.With(bytes);
        var error = Refused(file.Path, () => PthReader.Read(file.Path));
        Assert.Contains("archive/data/0", error.Message);
        Assert.Contains("2000000000", error.Message);
    }

    // Local file header: signature 0x04034B50, uncompressed size at +22; central directory entry: 0x02014B50, +24.
    private static void PatchUncompressedSize(byte[] zip, string name, uint size)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034B50 && zip.AsSpan(i + 30).StartsWith(nameBytes) && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 26)) == nameBytes.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), size);
            if (signature == 0x02014B50 && zip.AsSpan(i + 46).StartsWith(nameBytes) && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) == nameBytes.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
        }
    }

    [Fact]
    public void AHugePickleIntegerIsRefused()
    {
        var pickle = new Pickle().Long4(new byte[100_000]).Stop();
        using var file = PthFixtures.TempFile.With(Zip(pickle, new byte[16]));
        var error = Refused(file.Path, () => PthReader.Read(file.Path));
        Assert.Contains("integer of 100000 bytes", error.Message);
    }

    // ---- SsdLite's own checkpoint format ----

    private static byte[] CheckpointFile(byte[] payload)
    {
        using var memory = new MemoryStream();
        memory.Write("SSDLCKPT"u8);
        memory.Write(BitConverter.GetBytes(1));
        memory.Write(BitConverter.GetBytes((long)payload.Length));
        memory.Write(payload);
        memory.Write(SHA256.HashData(payload));
        memory.Write("SSDLEND!"u8);
        return memory.ToArray();
    }

    private static byte[] Payload(Action<BinaryWriter> write)
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true)) write(w);
        return memory.ToArray();
    }

    [Fact]
    public void ACheckpointTensorCountOf2Pow31Minus1IsRefused()
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w =>
        {
            w.Write(0);
            w.Write(int.MaxValue);
        })));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains("tensor count 2147483647", error.Message);
    }

    [Fact]
    public void ACheckpointMetadataCountOf2Pow31Minus1IsRefused()
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w => w.Write(int.MaxValue))));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains("metadata count 2147483647", error.Message);
    }

    [Fact]
    public void ACheckpointTensorByteCountOf2Pow31Minus1IsRefused()
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w =>
        {
            w.Write(0);
            w.Write(1);
            w.Write("w");
            w.Write(6); // float32
            w.Write(1);
            w.Write(4L);
            w.Write((long)int.MaxValue);
            w.Write(new byte[16]);
        })));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains("tensor 'w' byte count 2147483647", error.Message);
    }

    [Fact]
    public void ACheckpointShapeThatOverflowsIsRefused()
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w =>
        {
            w.Write(0);
            w.Write(1);
            w.Write("w");
            w.Write(6);
            w.Write(2);
            w.Write(1L << 40);
            w.Write(1L << 40);
            w.Write(16L);
            w.Write(new byte[16]);
        })));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains("corrupt checkpoint payload", error.Message);
    }

    // The three below are fuzz findings (tests/fuzz/findings/ckpt/payload-crash-*.bin) from the payload behind a
    // valid checksum, which anyone crafting a file can compute: each escaped as a raw IOException, FormatException
    // or libtorch error.

    [Fact]
    public void ACheckpointShapeWithAZeroAndHugeSizesIsRefusedBeforeLibtorchSeesIt()
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w =>
        {
            w.Write(0);
            w.Write(1);
            w.Write("w");
            w.Write(6);
            w.Write(3);
            w.Write(0L); // 0 elements: a plain product of the sizes passes
            w.Write(1L << 62);
            w.Write(1L << 62);
            w.Write(0L);
        })));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains($"shape [0, {1L << 62}, {1L << 62}] has more elements than a tensor can index", error.Message);
    }

    // A metadata key whose 7-bit length prefix decodes to a negative int32 (5 bytes, the last one's high bits set),
    // and one with six continuation bytes: more than a 7-bit encoded int32 may take.
    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00 }, "string length")]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, "7-bit encoded integer")]
    public void ACheckpointStringWhoseLengthPrefixIsInvalidIsRefused(byte[] prefix, string reason)
    {
        using var file = PthFixtures.TempFile.With(CheckpointFile(Payload(w =>
        {
            w.Write(1);
            w.Write(prefix);
        })));
        var error = Refused(file.Path, () => Checkpoint.Load(file.Path));
        Assert.Contains("corrupt checkpoint payload", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
