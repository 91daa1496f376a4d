using SsdLite.Backbone;

namespace SsdLite.Detection;

/// <summary>
/// The SSD-Lite prediction heads: per source a 3x3 depthwise conv (with bias) + BN + ReLU6 + 1x1 conv (with bias),
/// the last source a plain 1x1 conv. Outputs are permuted to NHWC and flattened, so concatenating the sources in
/// order gives one row per prior in the priors' order.
/// </summary>
public static class SsdLiteHead
{
    /// <summary>Children named 0…3 as the reference's nn.Sequential (<c>classification_headers.0.3.weight</c>).</summary>
    public static Layers Separable(int inChannels, int outChannels) =>
        new(nn.Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels),
            nn.BatchNorm2d(inChannels),
            nn.ReLU6(),
            nn.Conv2d(inChannels, outChannels, 1));

    /// <summary>One head per source, in a list whose items are named 0, 1, … once it is registered.</summary>
    public static ModuleList<nn.Module<Tensor, Tensor>> Build(IReadOnlyList<int> sourceChannels, int valuesPerPrior, int priorsPerCell)
    {
        ArgumentNullException.ThrowIfNull(sourceChannels);
        var heads = new nn.Module<Tensor, Tensor>[sourceChannels.Count];
        var outChannels = priorsPerCell * valuesPerPrior;
        for (var k = 0; k < heads.Length; k++)
        {
            heads[k] = k == heads.Length - 1
                ? nn.Conv2d(sourceChannels[k], outChannels, 1)
                : Separable(sourceChannels[k], outChannels);
        }
        return nn.ModuleList(heads);
    }

    /// <summary>(N, A·V, H, W) → (N, H·W·A, V).</summary>
    public static Tensor ToRows(Tensor headOutput, int valuesPerPrior)
    {
        ArgumentNullException.ThrowIfNull(headOutput);
        using var nhwc = headOutput.permute(0, 2, 3, 1);
        return nhwc.reshape(nhwc.size(0), -1, valuesPerPrior);
    }

    /// <summary>
    /// The detector's prediction pass over its sources: the two backbone taps, then each extra block's output in
    /// turn, every source through its classification and regression head. Consumes (disposes) both taps; every
    /// intermediate is freed as soon as it is used, so the caller owns only the two outputs.
    /// </summary>
    public static HeadOutputs Predict(Tensor stride16, Tensor stride32, IReadOnlyList<nn.Module<Tensor, Tensor>> extras,
        IReadOnlyList<nn.Module<Tensor, Tensor>> classification, IReadOnlyList<nn.Module<Tensor, Tensor>> regression, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(stride16);
        ArgumentNullException.ThrowIfNull(stride32);
        ArgumentNullException.ThrowIfNull(extras);
        ArgumentNullException.ThrowIfNull(classification);
        ArgumentNullException.ThrowIfNull(regression);
        var confidences = new List<Tensor>();
        var locations = new List<Tensor>();
        try
        {
            void Run(int source, Tensor x)
            {
                using (var c = classification[source].forward(x)) confidences.Add(ToRows(c, numClasses));
                using (var l = regression[source].forward(x)) locations.Add(ToRows(l, 4));
            }
            var x = stride32;
            try
            {
                using (stride16) Run(0, stride16);
                Run(1, x);
                for (var k = 0; k < extras.Count; k++)
                {
                    var next = extras[k].forward(x);
                    x.Dispose();
                    x = next;
                    Run(k + 2, x);
                }
            }
            finally
            {
                x.Dispose();
            }
            return new HeadOutputs(cat(confidences, 1), cat(locations, 1));
        }
        finally
        {
            foreach (var t in confidences.Concat(locations)) t.Dispose();
        }
    }
}
