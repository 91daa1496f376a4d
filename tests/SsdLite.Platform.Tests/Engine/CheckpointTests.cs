using SsdLite.Platform.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SsdLite.Platform.Tests.Engine;

public class CheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ssdlite-ckpt-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static Sequential Net()
    {
        torch.manual_seed(5);
        return nn.Sequential(nn.Conv2d(3, 4, 3, bias: false), nn.BatchNorm2d(4), nn.ReLU6(), nn.Conv2d(4, 2, 1));
    }

    [Fact]
    public void StateDictRoundTripIsBitExact()
    {
        using var net = Net();
        using (torch.NewDisposeScope())
        {
            net.train();
            net.call(torch.randn(2, 3, 5, 5));
        }
        var path = Path.Combine(dir, "net.ckpt");
        Checkpoint.Save(path, net.state_dict(), new Dictionary<string, string> { ["width"] = "1.0", ["labels"] = "a,b" });

        torch.manual_seed(99);
        using var other = nn.Sequential(nn.Conv2d(3, 4, 3, bias: false), nn.BatchNorm2d(4), nn.ReLU6(), nn.Conv2d(4, 2, 1));
        using var data = Checkpoint.Load(path);
        Assert.Equal("1.0", data.Metadata["width"]);
        Assert.Equal("a,b", data.Metadata["labels"]);
        other.load_state_dict(data.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value));
        var expected = net.state_dict().ToList();
        var actual = other.state_dict().ToList();
        Assert.Equal(expected.Select(kv => kv.Key), actual.Select(kv => kv.Key));
        Assert.Contains("1.num_batches_tracked", actual.Select(kv => kv.Key));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Value.dtype, actual[i].Value.dtype);
            Assert.Equal(TensorBytes.Read(expected[i].Value), TensorBytes.Read(actual[i].Value));
        }
    }

    [Fact]
    public void CheckpointTruncatedAtAnyByteIsRefused()
    {
        using var net = nn.Sequential(nn.Conv2d(2, 2, 1));
        var path = Path.Combine(dir, "small.ckpt");
        Checkpoint.Save(path, net.state_dict(), new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(path);
        var cut = Path.Combine(dir, "cut.ckpt");
        for (var n = 0; n < bytes.Length; n++)
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, n).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(cut));
            Assert.Contains(cut, e.Message);
        }
    }

    [Fact]
    public void CorruptedByteAndForeignFileAreRefused()
    {
        using var net = nn.Sequential(nn.Conv2d(2, 2, 1));
        var path = Path.Combine(dir, "c.ckpt");
        Checkpoint.Save(path, net.state_dict());
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);

        var foreign = Path.Combine(dir, "foreign.bin");
        File.WriteAllText(foreign, "PK this is not a checkpoint at all");
        Assert.Contains("not an SsdLite checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(foreign)).Message);
    }

    [Fact]
    public void SaveReplacesAtomicallyAndLeavesNoTemporaryFiles()
    {
        using var net = nn.Sequential(nn.Conv2d(2, 2, 1));
        var path = Path.Combine(dir, "last.ckpt");
        Checkpoint.Save(path, net.state_dict(), new Dictionary<string, string> { ["epoch"] = "1" });
        Checkpoint.Save(path, net.state_dict(), new Dictionary<string, string> { ["epoch"] = "2" });
        using var data = Checkpoint.Load(path);
        Assert.Equal("2", data.Metadata["epoch"]);
        Assert.Single(Directory.GetFiles(dir));
    }
}
