using ScalarType = TorchSharp.torch.ScalarType;
using System.Text.Json;
using SsdLite.Platform.Serialization;

namespace SsdLite.Platform.Tests.Serialization;

/// <summary>Paths of the committed fixtures (Data/pth/make_fixtures.py wrote them) and their expected contents.</summary>
internal static class PthFixtures
{
    public static string Pth(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "pth", name);

    public static string Oracle(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "oracle", name);

    public sealed record Expected(string Key, ScalarType DType, long[] Shape, byte[] Data);

    /// <summary>The small state_dict as numpy wrote it: key, dtype, shape and flattened little-endian values.</summary>
    public static IReadOnlyList<Expected> SmallStateDict()
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Pth("expected.json")));
        return [.. json.RootElement.EnumerateArray().Select(e => new Expected(
            e.GetProperty("key").GetString()!,
            DTypeFromName(e.GetProperty("dtype").GetString()!),
            [.. e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())],
            File.ReadAllBytes(Pth(Path.Combine("expected", e.GetProperty("file").GetString()!)))))];
    }

    /// <summary>Key, dtype and shape per line of a reference state_dict table ("key\tfloat32\t[32, 3, 3, 3]").</summary>
    public static IReadOnlyList<(string Key, ScalarType DType, long[] Shape)> ReferenceTable(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(ParseTableLine)];

    private static (string, ScalarType, long[]) ParseTableLine(string line)
    {
        string[] parts = line.Split('\t');
        long[] shape = [.. parts[2].Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse)];
        return (parts[0], DTypeFromName(parts[1]), shape);
    }

    public static ScalarType DTypeFromName(string name) => name switch
    {
        "float32" => ScalarType.Float32,
        "float64" => ScalarType.Float64,
        "float16" => ScalarType.Float16,
        "int64" => ScalarType.Int64,
        "int32" => ScalarType.Int32,
        "uint8" => ScalarType.Byte,
        "bool" => ScalarType.Bool,
        _ => throw new ArgumentException($"no ScalarType for '{name}'"),
    };

    /// <summary>A temporary copy of a fixture cut after <paramref name="length"/> bytes; deleted on dispose.</summary>
    public static TempFile Truncated(string path, int length)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return TempFile.With(bytes.AsSpan(0, length).ToArray());
    }

    public sealed class TempFile : IDisposable
    {
        private TempFile(string path) => Path = path;

        public string Path { get; }

        public static TempFile With(byte[] content)
        {
            string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pth-test-{Guid.NewGuid():N}.pth");
            File.WriteAllBytes(path, content);
            return new TempFile(path);
        }

        public void Dispose() => File.Delete(Path);
    }
}
