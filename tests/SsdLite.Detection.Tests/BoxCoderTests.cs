using SsdLite.Core;

namespace SsdLite.Detection.Tests;

public class BoxCoderTests
{
    private static readonly FloatComparer Close = new(1e-5f);

    [Fact]
    public void EncodeMatchesAHandCalculation()
    {
        // Prior centre (0.5, 0.5), size 0.2 x 0.2; ground truth centre (0.55, 0.6), size 0.2 x 0.4.
        // dx = 0.05 / 0.2 / 0.1 = 2.5; dy = 0.1 / 0.2 / 0.1 = 5; dw = ln(1) / 0.2 = 0; dh = ln(2) / 0.2 = 3.465736.
        var coder = new BoxCoder();
        var loc = new float[4];
        coder.Encode([0.45f, 0.4f, 0.65f, 0.8f], [0.5f, 0.5f, 0.2f, 0.2f], loc);
        Assert.Equal([2.5f, 5f, 0f, 3.465736f], loc, Close);
    }

    [Fact]
    public void DecodingZeroOffsetsGivesThePriorInCornerForm()
    {
        var coder = new BoxCoder(PriorSpec.Reference);
        var box = new float[4];
        coder.Decode([0, 0, 0, 0], [0.5f, 0.5f, 0.2f, 0.4f], box);
        Assert.Equal([0.4f, 0.3f, 0.6f, 0.7f], box, Close);
    }

    [Fact]
    public void DecodeUndoesEncode()
    {
        var coder = new BoxCoder();
        float[] priors = [0.5f, 0.5f, 0.2f, 0.2f, 0.1f, 0.9f, 0.05f, 0.3f, 0.7f, 0.3f, 0.9f, 0.1f];
        float[] boxes = [0.1f, 0.2f, 0.3f, 0.9f, 0f, 0.5f, 1f, 1f, 0.6f, 0.25f, 0.65f, 0.4f];
        var loc = new float[12];
        var back = new float[12];
        coder.Encode(boxes, priors, loc);
        coder.Decode(loc, priors, back);
        Assert.Equal(boxes, back, Close);
    }

    [Fact]
    public void MismatchedPriorCountIsRejected()
    {
        var coder = new BoxCoder();
        Assert.Throws<ArgumentException>(() => coder.Encode(new float[8], new float[4], new float[8]));
    }
}
