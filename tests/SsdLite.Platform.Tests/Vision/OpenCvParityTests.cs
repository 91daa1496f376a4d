using System.Text.Json;
using SsdLite.Vision;

namespace SsdLite.Platform.Tests.Vision;

/// <summary>
/// SsdLite's managed resize, colour conversion and decoding against what OpenCV 4.x returned for the same input
/// (Data/vision, from make_fixtures.py): uint8 resizes and decoded pixels must be identical, float results close.
/// </summary>
public sealed class OpenCvParityTests
{
    public static TheoryData<int> ResizeU8Cases => VisionFixtures.Cases("resize_u8");

    public static TheoryData<int> ResizeF32Cases => VisionFixtures.Cases("resize_f32");

    public static TheoryData<int> RegionCases => VisionFixtures.Cases("resize_region");

    public static TheoryData<int> DecodeCases => VisionFixtures.Cases("decode");

    [Theory]
    [MemberData(nameof(ResizeU8Cases))]
    public void ByteResizeIsBitExactWithOpenCv(int index)
    {
        var c = VisionFixtures.Case("resize_u8", index);
        int w = Int(c, "width"), h = Int(c, "height"), cn = Int(c, "channels");
        int dw = Int(c, "dst_width"), dh = Int(c, "dst_height");
        byte[] src = new VisionFixtures.Lcg((uint)Int(c, "seed")).Bytes(w * h * cn);
        byte[] expected = VisionFixtures.ReadGz(c.GetProperty("file").GetString()!);

        byte[] actual;
        if (cn == 3)
        {
            actual = Image.FromRgb(w, h, src).Resize(dw, dh).ToRgb();
        }
        else
        {
            actual = new byte[dw * dh * cn];
            ImageOps.Resize(src, w, h, actual, dw, dh, cn);
        }

        AssertIdentical(expected, actual, $"{w}x{h}x{cn} -> {dw}x{dh}", dw * cn);
    }

    [Theory]
    [MemberData(nameof(ResizeF32Cases))]
    public void FloatResizeMatchesOpenCv(int index)
    {
        var c = VisionFixtures.Case("resize_f32", index);
        int w = Int(c, "width"), h = Int(c, "height"), cn = Int(c, "channels");
        int dw = Int(c, "dst_width"), dh = Int(c, "dst_height");
        float[] src = new VisionFixtures.Lcg((uint)Int(c, "seed")).Floats(w * h * cn, 255.0);
        float[] expected = VisionFixtures.ReadGzFloats(c.GetProperty("file").GetString()!);
        float[] actual = new float[dw * dh * cn];
        ImageOps.Resize(src, w, h, actual, dw, dh, cn);
        AssertClose(expected, actual, 1e-4f, $"{w}x{h}x{cn} -> {dw}x{dh}");
    }

    [Theory]
    [MemberData(nameof(RegionCases))]
    public void FloatRegionResizeMatchesOpenCvOnTheCrop(int index)
    {
        var c = VisionFixtures.Case("resize_region", index);
        int w = Int(c, "width"), h = Int(c, "height"), cn = Int(c, "channels");
        int x = Int(c, "x"), y = Int(c, "y"), rw = Int(c, "region_width"), rh = Int(c, "region_height");
        int dw = Int(c, "dst_width"), dh = Int(c, "dst_height");
        float[] src = new VisionFixtures.Lcg((uint)Int(c, "seed")).Floats(w * h * cn, 255.0);
        float[] expected = VisionFixtures.ReadGzFloats(c.GetProperty("file").GetString()!);
        float[] actual = new float[dw * dh * cn];
        ImageOps.ResizeRegion(src, w, x, y, rw, rh, actual, dw, dh, cn);
        AssertClose(expected, actual, 1e-4f, $"region ({x}, {y}, {rw}x{rh}) of {w}x{h} -> {dw}x{dh}");
    }

    [Fact]
    public void RgbToHsvMatchesOpenCv()
    {
        var c = VisionFixtures.Manifest.GetProperty("hsv");
        float[] rgb = HsvInput(c);
        int n = rgb.Length / 3;
        float[] expected = VisionFixtures.ReadGzFloats(c.GetProperty("rgb2hsv").GetString()!);
        float[] actual = new float[rgb.Length];
        ImageOps.ConvertColor(rgb, actual, n, 1, ColorConversion.RgbToHsv);

        // OpenCV's vector and scalar code differ in the last bit of H (a float or a double division), so H,
        // on a 0..360 scale, is held to 1e-4 and S (0..1) and V (the input copied) to 1e-6.
        AssertClose(Channel(expected, 0), Channel(actual, 0), 1e-4f, "H");
        AssertClose(Channel(expected, 1), Channel(actual, 1), 1e-6f, "S");
        AssertClose(Channel(expected, 2), Channel(actual, 2), 0f, "V");
    }

    [Fact]
    public void HsvToRgbMatchesOpenCv()
    {
        var c = VisionFixtures.Manifest.GetProperty("hsv");
        int n = Int(c, "count");
        var gen = new VisionFixtures.Lcg((uint)Int(c, "seed") + 1);
        float[] h = gen.Floats(n, 360.0), s = gen.Floats(n, 1.0), v = gen.Floats(n, 255.0);
        float[] hsv = new float[n * 3];
        for (int i = 0; i < n; i++)
        {
            hsv[3 * i] = h[i];
            hsv[(3 * i) + 1] = s[i];
            hsv[(3 * i) + 2] = v[i];
        }

        float[] expected = VisionFixtures.ReadGzFloats(c.GetProperty("hsv2rgb").GetString()!);
        ImageOps.ConvertColor(hsv, hsv, n, 1, ColorConversion.HsvToRgb);
        AssertClose(expected, hsv, 1e-4f, "HSV -> RGB, in place");
    }

    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void DecodingGivesOpenCvsPixels(int index)
    {
        var c = VisionFixtures.Case("decode", index);
        string file = VisionFixtures.PathOf(c.GetProperty("file").GetString()!);
        byte[] expected = File.ReadAllBytes(VisionFixtures.PathOf(c.GetProperty("expected").GetString()!));
        var image = ImageIO.Read(file);
        Assert.Equal((Int(c, "width"), Int(c, "height")), (image.Width, image.Height));
        AssertIdentical(expected, image.ToRgb(), Path.GetFileName(file), image.Width * 3);
        Assert.Equal(image.ToRgb(), ImageIO.Decode(File.ReadAllBytes(file)).ToRgb());
    }

    private static float[] HsvInput(JsonElement c)
    {
        int n = Int(c, "count");
        float[] rgb = new VisionFixtures.Lcg((uint)Int(c, "seed")).Floats(n * 3, 255.0);
        int k = 0;
        foreach (var pixel in c.GetProperty("special").EnumerateArray())
        {
            foreach (var value in pixel.EnumerateArray())
            {
                rgb[k++] = value.GetSingle();
            }
        }

        return rgb;
    }

    private static float[] Channel(float[] hwc, int channel)
    {
        float[] result = new float[hwc.Length / 3];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = hwc[(3 * i) + channel];
        }

        return result;
    }

    private static int Int(JsonElement c, string name) => c.GetProperty(name).GetInt32();

    private static void AssertIdentical(byte[] expected, byte[] actual, string what, int rowLength)
    {
        Assert.Equal(expected.Length, actual.Length);
        int differ = 0, worst = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            int d = Math.Abs(expected[i] - actual[i]);
            if (d != 0)
            {
                differ++;
                worst = Math.Max(worst, d);
                first = first < 0 ? i : first;
            }
        }

        Assert.True(differ == 0, $"{what}: {differ} of {expected.Length} values differ from OpenCV's, by up to {worst}; first at row {first / rowLength}, value {first % rowLength} (OpenCV {(first >= 0 ? expected[first] : 0)}, ours {(first >= 0 ? actual[first] : 0)})");
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= worst))
            {
                worst = d;
                at = i;
            }
        }

        Assert.True(worst <= tolerance, $"{what}: largest difference from OpenCV {worst} at {at} (OpenCV {(at >= 0 ? expected[at] : 0)}, ours {(at >= 0 ? actual[at] : 0)}), allowed {tolerance}");
    }
}
