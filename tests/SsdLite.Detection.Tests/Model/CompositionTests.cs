using SsdLite.Core;
using SsdLite.Detection.Models;
namespace SsdLite.Detection.Tests.Model;

/// <summary>The detector is an nn.Module a user can put inside their own TorchSharp module.</summary>
public class CompositionTests
{
    private sealed class Wrapper : nn.Module<Tensor, HeadOutputs>
    {
        private readonly SsdLiteModel detector;

        public Wrapper(SsdLiteModel model) : base(nameof(Wrapper))
        {
            detector = model;
            register_module("detector", detector);
        }

        public override HeadOutputs forward(Tensor input) => detector.forward(input);
    }

    [Fact]
    public void AsAChildItsKeysAreTheReferenceKeysUnderItsName()
    {
        var model = new SsdLiteModel(new SsdLiteConfig(["a", "b"], width: 0.35, inputSize: 96));
        var own = model.state_dict().Keys.Select(k => "detector." + k).ToList();
        using var wrapper = new Wrapper(model);
        Assert.Equal(own.Order(StringComparer.Ordinal), wrapper.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(model.parameters().Count(), wrapper.parameters().Count());
        wrapper.eval();
        Assert.False(model.training);
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        using var outputs = wrapper.forward(torch.zeros(1, 3, 96, 96));
        Assert.Equal(model.Config.GeneratePriors().Length / 4, outputs.Confidences.size(1));
    }
}
