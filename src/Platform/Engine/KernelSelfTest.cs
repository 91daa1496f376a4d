using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Platform.Engine;

/// <summary>
/// Whether oneDNN's convolution kernels, with whatever instruction set this process lets it use, compute what
/// libtorch's own kernels compute with oneDNN off: the channels-last convolutions SsdLite's networks run (a 1x1
/// pointwise, a 3x3 depthwise and a 3x3 stride-2 stem), forward and weight gradient, from seeded random values.
/// Run it in a process whose <c>ONEDNN_MAX_CPU_ISA</c> is <c>ALL</c> to judge the native kernels (<c>ssdlite
/// checks</c> does, in a child process, since a wrong kernel may also kill the process with SIGFPE).
/// </summary>
public static class KernelSelfTest
{
    /// <summary>Relative L2 error above which a kernel is called wrong (float32 reorderings stay below 1e-5).</summary>
    public const double Tolerance = 1e-3;

    /// <summary>Runs every case; oneDNN is left enabled as it was found.</summary>
    public static KernelSelfTestResult Run()
    {
        TorchEngine.EnsureInitialized();
        var cases = new List<KernelCase>
        {
            Compare("pointwise 1x1, 64->128, 19x19", batch: 4, inChannels: 64, outChannels: 128, size: 19, kernel: 1, stride: 1, groups: 1),
            Compare("depthwise 3x3, 96 groups, 19x19", batch: 4, inChannels: 96, outChannels: 96, size: 19, kernel: 3, stride: 1, groups: 96),
            Compare("stem 3x3 stride 2, 3->32, 150x150", batch: 2, inChannels: 3, outChannels: 32, size: 150, kernel: 3, stride: 2, groups: 1),
        };
        return new KernelSelfTestResult(cases, Tolerance);
    }

    private static KernelCase Compare(string name, int batch, int inChannels, int outChannels, int size, int kernel, int stride, int groups)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(17 + (ulong)kernel * 31 + (ulong)inChannels);
        var input = randn([batch, inChannels, size, size], generator: generator);
        var weight = randn([outChannels, inChannels / groups, kernel, kernel], generator: generator) * (1.0 / Math.Sqrt(inChannels / groups * kernel * kernel));
        var was = OneDnnSwitch.IsEnabled;
        try
        {
            OneDnnSwitch.IsEnabled = true;
            var (nativeOut, nativeGrad) = Convolve(input.contiguous(MemoryFormat.ChannelsLast), weight.contiguous(MemoryFormat.ChannelsLast), stride, kernel / 2, groups);
            OneDnnSwitch.IsEnabled = false;
            var (referenceOut, referenceGrad) = Convolve(input.contiguous(), weight.contiguous(), stride, kernel / 2, groups);
            return new KernelCase(name, RelativeError(nativeOut, referenceOut), RelativeError(nativeGrad, referenceGrad));
        }
        finally
        {
            OneDnnSwitch.IsEnabled = was;
        }
    }

    // The loss is the output weighted by a fixed pattern, so the weight gradient depends on every output element.
    private static (Tensor Output, Tensor WeightGrad) Convolve(Tensor input, Tensor weight, int stride, int padding, int groups)
    {
        using var w = weight.detach().requires_grad_(true);
        using var output = nn.functional.conv2d(input, w, strides: [stride, stride], padding: [padding, padding], groups: groups);
        using var pattern = arange(output.numel(), dtype: ScalarType.Float32).reshape(output.shape).sin();
        using var loss = (output * pattern).sum();
        loss.backward();
        return (output.detach().contiguous().clone(), w.grad!.contiguous().clone());
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var difference = (actual - expected).norm();
        using var scale = expected.norm();
        var d = difference.item<float>();
        var s = scale.item<float>();
        return float.IsFinite(d) ? d / Math.Max(s, 1e-12) : double.PositiveInfinity;
    }
}

/// <summary>One convolution's relative L2 errors, native against oneDNN-off.</summary>
public sealed record KernelCase(string Name, double ForwardError, double WeightGradError);

/// <summary>What <see cref="KernelSelfTest.Run"/> found.</summary>
public sealed record KernelSelfTestResult(IReadOnlyList<KernelCase> Cases, double Tolerance)
{
    /// <summary>True when every case is within <see cref="Tolerance"/>.</summary>
    public bool Correct => Cases.All(c => c.ForwardError <= Tolerance && c.WeightGradError <= Tolerance);
}
