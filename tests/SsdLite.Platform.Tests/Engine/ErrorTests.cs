namespace SsdLite.Platform.Tests.Engine;

public class ErrorTests
{
    [Fact]
    public void ShapeMismatchBecomesTorchExceptionAndTheProcessGoesOn()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.ones(new long[] { 2, 3 });
        var b = torch.ones(new long[] { 4, 5 });
        var e = Assert.Throws<TorchException>(() => a + b);
        Assert.Contains("must match the size", e.Message);
        Assert.StartsWith("add:", e.Message);
        Assert.Equal(12.0, (a + a).sum().item());
    }

    [Fact]
    public void BadDtypeBecomesTorchException()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(new long[] { 1, 1, 3, 3 }, ScalarType.Int64);
        var w = torch.ones(new long[] { 1, 1, 2, 2 });
        var e = Assert.Throws<TorchException>(() => torch.nn.functional.conv2d(x, w));
        Assert.StartsWith("conv2d:", e.Message);
        Assert.True(e.Message.Length > "conv2d: ".Length);
        Assert.Equal(4.0, torch.nn.functional.conv2d(x.to(ScalarType.Float32), w).data<float>()[0]);
    }

    [Fact]
    public void WrongElementTypeIsRefusedBeforeTheBridge()
    {
        using var t = torch.ones(new long[] { 2 }, ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => t.data<float>());
    }

    [Fact]
    public void DisposedTensorThrowsObjectDisposed()
    {
        var t = torch.ones(new long[] { 2 });
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.sum());
    }
}
