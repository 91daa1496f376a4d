using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Backbone.Tests;

public class HeldScalarBatchNorm2dTests
{
    [Fact]
    public void MatchesTorchSharpsBatchNorm2dInTrainingAndEval()
    {
        using var scope = NewDisposeScope();
        using var ours = new HeldScalarBatchNorm2d(3);
        using var theirs = nn.BatchNorm2d(3);
        Assert.Equal(theirs.state_dict().Keys, ours.state_dict().Keys);
        manual_seed(9);
        for (var step = 0; step < 3; step++)
        {
            var x = randn(4, 3, 5, 5) * 2 + 1;
            Assert.True(ours.forward(x).allclose(theirs.forward(x), rtol: 0, atol: 1e-6));
        }
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
        Assert.Equal(3L, theirs.num_batches_tracked!.item<long>());
        Assert.True(ours.running_mean!.allclose(theirs.running_mean!, rtol: 0, atol: 1e-6));
        Assert.True(ours.running_var!.allclose(theirs.running_var!, rtol: 0, atol: 1e-6));

        ours.eval();
        theirs.eval();
        var y = randn(2, 3, 5, 5);
        Assert.True(ours.forward(y).allclose(theirs.forward(y), rtol: 0, atol: 1e-6));
        Assert.Equal(3L, ours.num_batches_tracked!.item<long>());
    }
}
