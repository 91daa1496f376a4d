using SsdLite.Core;
using SsdLite.Detection.Models;
namespace SsdLite.Detection.Tests.Model;

public class DeviceTests
{
    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData(" CUDA ", DeviceType.CUDA, 0)]
    [InlineData("cuda:1", DeviceType.CUDA, 1)]
    public void NamesParse(string text, DeviceType type, int index)
    {
        var d = Devices.Parse(text);
        Assert.Equal(type, d.type);
        if (type == DeviceType.CUDA) Assert.Equal(index, d.index);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void UnknownNamesSayWhatExists(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => Devices.Parse(text));
        Assert.Contains("cpu, cuda or cuda:N", e.Message);
    }

    [Fact]
    public void DetectorOnCudaRunsOrSaysWhyNot()
    {
        using var model = new SsdLiteModel(new SsdLiteConfig(["a"], width: 0.35, inputSize: 96));
        if (!torch.cuda.is_available())
        {
            var e = Assert.Throws<ArgumentException>(() => new Detector(model, device: Devices.Parse("cuda")));
            Assert.Contains("torch.cuda.is_available() is false", e.Message);
            return;
        }
        using var gpu = new Detector(model, device: Devices.Parse("cuda"));
        Assert.Equal(DeviceType.CUDA, gpu.Device.type);
        Assert.Equal(Platform.Engine.MemoryFormat.Contiguous, gpu.Layout);
        var raw = gpu.Predict(new float[3 * 96 * 96], 1);
        Assert.All(raw.Scores, s => Assert.True(float.IsFinite(s)));
    }
}
