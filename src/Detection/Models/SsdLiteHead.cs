using SsdLite.Backbone;

namespace SsdLite.Detection.Models;

/// <summary>
/// The prediction pass shared by every architecture: each source through its classification and regression head,
/// outputs permuted to NHWC and flattened, so concatenating the sources in order gives one row per prior in the
/// priors' order. Also MobileNetV2 SSD-Lite's separable head.
/// </summary>
public static class SsdLiteHead
{
    /// <summary>
    /// MobileNetV2 SSD-Lite's head: 3x3 depthwise conv (with bias) + BN + ReLU6 + 1x1 conv (with bias), children named
    /// 0…3 as the reference's nn.Sequential (<c>classification_headers.0.3.weight</c>).
    /// </summary>
    public static Layers Separable(int inChannels, int outChannels) =>
        new(nn.Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels),
            new HeldScalarBatchNorm2d(inChannels),
            nn.ReLU6(inplace: true),
            nn.Conv2d(inChannels, outChannels, 1));

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
