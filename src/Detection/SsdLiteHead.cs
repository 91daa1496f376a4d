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
}
