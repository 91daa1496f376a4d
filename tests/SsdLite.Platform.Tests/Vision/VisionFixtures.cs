using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SsdLite.Platform.Tests.Vision;

/// <summary>
/// The OpenCV reference outputs under Data/vision, written by Data/vision/make_fixtures.py (cv2 4.x): inputs are
/// rebuilt here from the script's generator, so only OpenCV's outputs are stored.
/// </summary>
internal static class VisionFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Data", "vision");

    public static JsonElement Manifest { get; } = LoadManifest();

    public static string PathOf(string relative) => Path.Combine(Folder, relative);

    /// <summary>The cases of one manifest list, as xunit theory data (one row per case: its index).</summary>
    public static TheoryData<int> Cases(string list)
    {
        var data = new TheoryData<int>();
        int n = Manifest.GetProperty(list).GetArrayLength();
        for (int i = 0; i < n; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static JsonElement Case(string list, int index) => Manifest.GetProperty(list)[index];

    public static byte[] ReadGz(string relative)
    {
        using var file = File.OpenRead(PathOf(relative));
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gz.CopyTo(memory);
        return memory.ToArray();
    }

    public static float[] ReadGzFloats(string relative) => MemoryMarshal.Cast<byte, float>(ReadGz(relative)).ToArray();

    private static JsonElement LoadManifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("manifest.json")));
        return doc.RootElement.Clone();
    }

    /// <summary>The fixture script's 32-bit linear congruential generator (Numerical Recipes constants).</summary>
    public sealed class Lcg(uint seed)
    {
        private uint _state = seed;

        public uint Next() => _state = unchecked((_state * 1664525u) + 1013904223u);

        public byte[] Bytes(int n)
        {
            byte[] result = new byte[n];
            for (int i = 0; i < n; i++)
            {
                result[i] = (byte)(Next() >> 24);
            }

            return result;
        }

        /// <summary>(state &gt;&gt; 8) / 2^24 * scale in double, rounded to float, as the script computes it.</summary>
        public float[] Floats(int n, double scale)
        {
            float[] result = new float[n];
            for (int i = 0; i < n; i++)
            {
                result[i] = (float)((Next() >> 8) * (scale / 16777216.0));
            }

            return result;
        }
    }
}
