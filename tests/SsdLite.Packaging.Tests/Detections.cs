using System.Globalization;
using System.Text.Json;

namespace SsdLite.Packaging.Tests;

/// <summary>One detection as the consumer apps print it and as <c>ssdlite detect --json</c> writes it.</summary>
internal sealed record Detection(string Label, float Score, float[] Box)
{
    /// <summary>The detection lines an app printed ("label score xmin ymin xmax ymax").</summary>
    public static List<Detection> FromLines(IEnumerable<string> lines) => lines
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(f => f.Length == 6 && float.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        .Select(f => new Detection(f[0], Float(f[1]), [Float(f[2]), Float(f[3]), Float(f[4]), Float(f[5])]))
        .ToList();

    /// <summary>The detections of the one image in a <c>detect --json</c> file.</summary>
    public static List<Detection> FromJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var entry = Assert.Single(doc.RootElement.EnumerateArray());
        Assert.False(entry.TryGetProperty("error", out var error), $"detect reported an error: {error}");
        return entry.GetProperty("detections").EnumerateArray()
            .Select(d => new Detection(d.GetProperty("label").GetString()!, d.GetProperty("score").GetSingle(),
                d.GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray()))
            .ToList();
    }

    /// <summary>
    /// Asserts the same detections in the same order: labels equal, scores within 1e-5 and box corners within
    /// 1e-3 pixels (the JSON writer rounds; the networks are the same file run by the same engine).
    /// </summary>
    public static void AssertSame(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            Assert.True(Math.Abs(expected[i].Score - actual[i].Score) <= 1e-5, $"detection {i}: score {actual[i].Score}, expected {expected[i].Score}");
            for (var k = 0; k < 4; k++)
                Assert.True(Math.Abs(expected[i].Box[k] - actual[i].Box[k]) <= 1e-3,
                    $"detection {i}: box [{string.Join(", ", actual[i].Box)}], expected [{string.Join(", ", expected[i].Box)}]");
        }
    }

    private static float Float(string s) => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}
