using SsdLite.Runtime;
namespace SsdLite.Detection.Tests;

public class BoxMathTests
{
    [Fact]
    public void CenterAndCornerFormsConvertBothWays()
    {
        float[] center = [0.5f, 0.4f, 0.2f, 0.6f];
        var corner = new float[4];
        BoxMath.CenterToCorner(center, corner);
        Assert.Equal([0.4f, 0.1f, 0.6f, 0.7f], corner, new FloatComparer(1e-6f));

        var back = new float[4];
        BoxMath.CornerToCenter(corner, back);
        Assert.Equal(center, back, new FloatComparer(1e-6f));
    }

    [Fact]
    public void IouOfOverlappingDisjointAndTouchingBoxes()
    {
        // Intersection 1x1, union 4 + 4 - 1 = 7.
        Assert.Equal(1f / 7f, BoxMath.Iou([0, 0, 2, 2], [1, 1, 3, 3]), 1e-6f);
        Assert.Equal(0f, BoxMath.Iou([0, 0, 1, 1], [2, 2, 3, 3]));
        Assert.Equal(0f, BoxMath.Iou([0, 0, 1, 1], [1, 0, 2, 1]));
        Assert.Equal(1f, BoxMath.Iou([0, 0, 1, 1], [0, 0, 1, 1]));
    }

    [Fact]
    public void IouMatrixIsRowMajor()
    {
        float[] a = [0, 0, 2, 2, 10, 10, 12, 12];
        float[] b = [0, 0, 2, 2, 1, 1, 3, 3, 0, 0, 1, 1];
        var iou = new float[6];
        BoxMath.IouMatrix(a, b, iou);

        // Row 0: itself 1, the shifted box 1/7, the quarter 1/4; row 1: nothing overlaps.
        Assert.Equal([1f, 1f / 7f, 0.25f, 0f, 0f, 0f], iou, new FloatComparer(1e-6f));
    }
}
