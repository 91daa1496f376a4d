using SsdLite.Tools.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SsdLite.Tools.Tests;

/// <summary>
/// The held-Scalar optimizers must make exactly TorchSharp's updates: the same small model, the same gradients, five
/// steps with a changing learning rate, and every parameter and state tensor bit-equal to TorchSharp's optimizer. In
/// the non-parallel "training" collection: the models are seeded through torch's global generator, which another
/// test class running at the same time can reseed or draw from between the two runs (seen once in a full run).
/// </summary>
[Collection("training")]
public sealed class HeldScalarOptimizerTests
{
    private static Sequential Model()
    {
        manual_seed(7);
        return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3));
    }

    private static List<float[]> Train(Func<IEnumerable<Parameter>, OptimizerHelper> create, Func<OptimizerHelper, IEnumerable<Tensor>> state)
    {
        using var model = Model();
        using var optimizer = create(model.parameters());
        manual_seed(11);
        using var inputs = randn(8, 6);
        using var targets = randn(8, 3);
        for (var step = 0; step < 5; step++)
        {
            foreach (var group in optimizer.ParamGroups) group.LearningRate = 0.05 / (step + 1);
            optimizer.zero_grad();
            using var output = model.forward(inputs);
            using var loss = nn.functional.mse_loss(output, targets);
            loss.backward();
            optimizer.step();
        }
        return model.parameters().Select(p => p.data<float>().ToArray())
            .Concat(state(optimizer).Select(t => t.data<float>().ToArray())).ToList();
    }

    private static IEnumerable<Tensor> SgdState(OptimizerHelper optimizer) =>
        ((SGD)optimizer).state_dict().State.Cast<SGD.State>().Select(s => s.momentum_buffer);

    private static IEnumerable<Tensor> AdamState(OptimizerHelper optimizer) =>
        ((AdamW)optimizer).state_dict().State.Cast<AdamW.State>().SelectMany(s => new[] { s.exp_avg, s.exp_avg_sq });

    private static void AssertBitEqual(List<float[]> expected, List<float[]> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"tensor {i} differs: {expected[i][0]} vs {actual[i][0]}");
    }

    [Theory]
    [InlineData(0.9, 5e-4, false)]
    [InlineData(0.9, 0.0, true)]
    [InlineData(0.0, 1e-2, false)]
    public void SgdMatchesTorchSharpSgd(double momentum, double weightDecay, bool nesterov)
    {
        var expected = Train(p => optim.SGD(p, 0.05, momentum, weight_decay: weightDecay, nesterov: nesterov),
            momentum == 0 ? _ => [] : SgdState);
        var actual = Train(p => new HeldScalarSgd(p, 0.05, momentum, weightDecay: weightDecay, nesterov: nesterov),
            momentum == 0 ? _ => [] : SgdState);
        AssertBitEqual(expected, actual);
        Assert.NotEqual(Train(p => optim.SGD(p, 0.0), _ => [])[0], actual[0]);
    }

    [Theory]
    [InlineData(0.01, false)]
    [InlineData(0.0, true)]
    public void AdamWMatchesTorchSharpAdamW(double weightDecay, bool amsgrad)
    {
        var expected = Train(p => optim.AdamW(p, 0.05, 0.9, 0.999, weight_decay: weightDecay, amsgrad: amsgrad), AdamState);
        var actual = Train(p => new HeldScalarAdamW(p, 0.05, 0.9, 0.999, weightDecay: weightDecay, amsgrad: amsgrad), AdamState);
        AssertBitEqual(expected, actual);
    }
}
