using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SsdLite.Detection;
using SsdLite.Platform.Serialization;

namespace SsdLite.Export.Tests;

/// <summary>
/// A state_dict export read back by SsdLite's own .pth reader (checked against real PyTorch files in the Platform
/// tests) equals the source weights bit for bit, under the reference's keys and shapes, BatchNorm included.
/// </summary>
public sealed class StateDictExportTests
{
    [Theory]
    [InlineData("mb2-ssd-lite-seed1234-c21.pth", "mb2-ssd-lite-21-state-dict.txt")]
    [InlineData("mb1/mb1-ssd-lite-seed4321-c21.pth", "mb1-ssd-lite-21-state-dict.txt")]
    [InlineData("mb1/mb1-ssd-seed4321-c21.pth", "mb1-ssd-21-state-dict.txt")]
    public void PthRoundTripIsBitForBitWithTheReferenceKeysAndShapes(string weights, string table)
    {
        using var folder = new TempFolder("pth");
        using var model = Detector.LoadModel(TestFiles.Oracle(weights), TestFiles.Names(20));
        StateDictExporter.Export(model, folder["out.pth"], StateDictFormat.Pth);

        Assert.True(PthReader.IsPth(folder["out.pth"]));
        using (var zip = System.IO.Compression.ZipFile.OpenRead(folder["out.pth"]))
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)); // the zip format, not the legacy one
        var read = PthReader.Read(folder["out.pth"]);
        Assert.Equal(ReferenceTable(table), read.Select(kv => (kv.Key, Shape(kv.Value.Shape))).ToList());
        // The source file, read by the same reader, is the independent expectation of every byte.
        var source = PthReader.Read(TestFiles.Oracle(weights)).ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, tensor) in read)
        {
            Assert.Equal(source[key].DType, tensor.DType);
            Assert.True(source[key].Data.AsSpan().SequenceEqual(tensor.Data), $"{key}: bytes differ");
        }
    }

    [Fact]
    public void PthExportLoadsBackAsADetectorWithTheSameOutputs()
    {
        using var folder = new TempFolder("pth-detector");
        var labels = TestFiles.C7Labels();
        using (var model = Detector.LoadModel(TestFiles.Oracle("trained-c7.pth"), labels))
            StateDictExporter.Export(model, folder["c7.pth"], StateDictFormat.Pth);
        AssertSameOutputsAsTheC7Oracle(folder["c7.pth"], labels);
    }

    // The exported file, loaded as a detector, gives the source .pth's scores and boxes exactly on the oracle input.
    private static void AssertSameOutputsAsTheC7Oracle(string exported, IReadOnlyList<string> labels)
    {
        using var original = Detector.Load(TestFiles.Oracle("trained-c7.pth"), labels);
        using var reloaded = Detector.Load(exported, labels);
        var input = TestFiles.ReadF32(TestFiles.Oracle("input.f32"));
        var a = original.Predict(input, 1);
        var b = reloaded.Predict(input, 1);
        Assert.Equal(a.Scores, b.Scores);
        Assert.Equal(a.Boxes, b.Boxes);
    }

    [Fact]
    public void SafetensorsHeaderAndBytesMatchTheSource()
    {
        using var folder = new TempFolder("safetensors");
        using var model = Detector.LoadModel(TestFiles.Oracle("mb2-ssd-lite-seed1234-c21.pth"), TestFiles.Names(20));
        StateDictExporter.Export(model, folder["out.safetensors"], StateDictFormat.Safetensors);

        // The format by hand: u64 little-endian header length, a JSON header, then the data the offsets point into.
        var bytes = File.ReadAllBytes(folder["out.safetensors"]);
        var headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
        var data = bytes.AsSpan(8 + headerLength);
        var source = PthReader.Read(TestFiles.Oracle("mb2-ssd-lite-seed1234-c21.pth"));
        var entries = header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__").ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(source.Count, entries.Count);
        foreach (var (key, tensor) in source)
        {
            var entry = entries[key];
            Assert.Equal(tensor.DType == ScalarType.Int64 ? "I64" : "F32", entry.GetProperty("dtype").GetString());
            Assert.Equal(tensor.Shape, entry.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray());
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(v => v.GetInt32()).ToArray();
            Assert.True(data[offsets[0]..offsets[1]].SequenceEqual(tensor.Data), $"{key}: bytes differ");
        }
    }

    [Fact]
    public void ASafetensorsExportReadsBackBitForBitAndAsTheSameDetector()
    {
        using var folder = new TempFolder("safetensors-read");
        var labels = TestFiles.C7Labels();
        using (var model = Detector.LoadModel(TestFiles.Oracle("trained-c7.pth"), labels))
            StateDictExporter.Export(model, folder["c7.safetensors"], StateDictFormat.Safetensors);

        Assert.True(SafetensorsReader.IsSafetensors(folder["c7.safetensors"]));
        Assert.False(SafetensorsReader.IsSafetensors(TestFiles.Oracle("trained-c7.pth")));
        var source = PthReader.Read(TestFiles.Oracle("trained-c7.pth")).ToDictionary(kv => kv.Key, kv => kv.Value);
        var read = SafetensorsReader.Read(folder["c7.safetensors"]);
        Assert.Equal(source.Keys.Order(StringComparer.Ordinal), read.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        foreach (var (key, tensor) in read)
        {
            Assert.Equal((source[key].DType, Shape(source[key].Shape)), (tensor.DType, Shape(tensor.Shape)));
            Assert.True(source[key].Data.AsSpan().SequenceEqual(tensor.Data), $"{key}: bytes differ");
        }

        AssertSameOutputsAsTheC7Oracle(folder["c7.safetensors"], labels);
    }

    // Both layouts of the reference tables: "key<TAB>dtype<TAB>[a, b]" and "key (a, b)".
    private static List<(string Key, string Shape)> ReferenceTable(string name) =>
        File.ReadAllLines(TestFiles.Data(name)).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
        {
            var split = l.IndexOfAny(['\t', ' ']);
            var open = l.IndexOfAny(['[', '(']);
            var dims = l[(open + 1)..l.IndexOfAny([']', ')'])].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (l[..split], "[" + string.Join(", ", dims) + "]");
        }).ToList();

    private static string Shape(long[] dims) => "[" + string.Join(", ", dims) + "]";
}
