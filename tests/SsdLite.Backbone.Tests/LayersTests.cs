using TorchSharp;
using static TorchSharp.torch;

namespace SsdLite.Backbone.Tests;

public class LayersTests
{
    // The backbones apply ReLU6 in place, as the reference does, so that a block keeps one activation instead of two
    // for backward; Chain frees each intermediate wrapper as it goes, which must leave the in-place result intact.
    [Fact]
    public void AnInPlaceActivationGivesTheOutOfPlaceValuesAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var inPlace = new Layers(nn.Conv2d(3, 8, 3, padding: 1, bias: false), new HeldScalarBatchNorm2d(8), nn.ReLU6(inplace: true));
        var outOfPlace = new Layers(nn.Conv2d(3, 8, 3, padding: 1, bias: false), new HeldScalarBatchNorm2d(8), nn.ReLU6());
        using (no_grad()) ((HeldScalarBatchNorm2d)inPlace[1]).weight!.fill_(4); // scale past the upper clamp
        outOfPlace.load_state_dict(inPlace.state_dict());
        var x = randn(2, 3, 9, 9);

        var a = inPlace.forward(x);
        var b = outOfPlace.forward(x);
        Assert.False(a.IsInvalid);
        Assert.Equal(0, a.min().item<float>());
        Assert.Equal(6, a.max().item<float>());
        Assert.True(a.allclose(b, rtol: 0, atol: 0));

        using var weights = randn(2, 8, 9, 9);
        (a * weights).sum().backward();
        (b * weights).sum().backward();
        var gradA = ((TorchSharp.Modules.Conv2d)inPlace[0]).weight!.grad!;
        var gradB = ((TorchSharp.Modules.Conv2d)outOfPlace[0]).weight!.grad!;
        Assert.True(gradA.norm().item<float>() > 0);
        Assert.True(gradA.allclose(gradB, rtol: 0, atol: 0));
    }
}
