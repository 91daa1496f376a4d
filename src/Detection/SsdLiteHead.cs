using SsdLite.Torch;
using SsdLite.Torch.NN;

namespace SsdLite.Detection;

/// <summary>
/// The SSD-Lite prediction heads: per source a 3x3 depthwise conv (with bias) + BN + ReLU6 + 1x1 conv (with bias),
/// the last source a plain 1x1 conv. Outputs are permuted to NHWC and flattened, so concatenating the sources in
/// order gives one row per prior in the priors' order.
/// </summary>
public static class SsdLiteHead
{
    public static Module<Tensor, Tensor> Separable(int inChannels, int outChannels) =>
        new Sequential(
            new Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels),
            new BatchNorm2d(inChannels),
            new ReLU6(),
            new Conv2d(inChannels, outChannels, 1));

    public static ModuleList<Module<Tensor, Tensor>> Build(IReadOnlyList<int> sourceChannels, int valuesPerPrior, int priorsPerCell)
    {
        var list = new ModuleList<Module<Tensor, Tensor>>();
        for (var k = 0; k < sourceChannels.Count; k++)
        {
            var outChannels = priorsPerCell * valuesPerPrior;
            list.Append(k == sourceChannels.Count - 1
                ? new Conv2d(sourceChannels[k], outChannels, 1)
                : Separable(sourceChannels[k], outChannels));
        }
        return list;
    }

    /// <summary>(N, A·V, H, W) → (N, H·W·A, V).</summary>
    public static Tensor ToRows(Tensor headOutput, int valuesPerPrior)
    {
        using var nhwc = headOutput.permute(0, 2, 3, 1);
        return nhwc.reshape(nhwc.size(0), -1, valuesPerPrior);
    }

    /// <summary>
    /// The detector's prediction pass over its sources: the two backbone taps, then each extra block's output in
    /// turn, every source through its classification and regression head. Consumes (disposes) both taps.
    /// </summary>
    public static HeadOutputs Predict(Tensor stride16, Tensor stride32, IReadOnlyList<Module<Tensor, Tensor>> extras,
        IReadOnlyList<Module<Tensor, Tensor>> classification, IReadOnlyList<Module<Tensor, Tensor>> regression, int numClasses)
    {
        var confidences = new List<Tensor>();
        var locations = new List<Tensor>();
        void Run(int source, Tensor x)
        {
            using (var c = classification[source].forward(x)) confidences.Add(ToRows(c, numClasses));
            using (var l = regression[source].forward(x)) locations.Add(ToRows(l, 4));
        }
        Run(0, stride16);
        stride16.Dispose();
        var x = stride32;
        Run(1, x);
        for (var k = 0; k < extras.Count; k++)
        {
            var next = extras[k].forward(x);
            x.Dispose();
            x = next;
            Run(k + 2, x);
        }
        x.Dispose();
        var conf = torch.cat(confidences, 1);
        var loc = torch.cat(locations, 1);
        foreach (var t in confidences.Concat(locations)) t.Dispose();
        return new HeadOutputs(conf, loc);
    }
}
