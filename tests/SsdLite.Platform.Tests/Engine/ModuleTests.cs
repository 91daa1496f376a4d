using SsdLite.Torch.NN;

namespace SsdLite.Platform.Tests.Engine;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block()
        {
            RegisterModule("conv", new Sequential(new Conv2d(2, 4, 1, bias: false), new BatchNorm2d(4), new ReLU6()));
            RegisterModule("head", new ModuleList<Conv2d>(new[] { new Conv2d(4, 1, 1) }));
        }

        public override Tensor forward(Tensor input) => throw new NotSupportedException();
    }

    [Fact]
    public void NamesAreDottedAsInPyTorch()
    {
        using var b = new Block();
        Assert.Equal(new[]
        {
            "conv.0.weight", "conv.1.weight", "conv.1.bias", "conv.1.running_mean", "conv.1.running_var",
            "conv.1.num_batches_tracked", "head.0.weight", "head.0.bias",
        }, b.state_dict().Select(kv => kv.Key));
        Assert.Equal(5, b.parameters().Count());
        Assert.All(b.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void LoadStateDictNamesEachProblem()
    {
        using var b = new Block();
        using var scope = torch.NewDisposeScope();
        var source = b.state_dict().Where(kv => kv.Key != "head.0.bias")
            .Select(kv => kv.Key == "conv.0.weight" ? new KeyValuePair<string, Tensor>(kv.Key, torch.zeros(new long[] { 4, 3, 1, 1 })) : kv)
            .Append(new("extra.weight", torch.zeros(new long[] { 1 }))).ToList();
        var e = Assert.Throws<StateDictException>(() => b.load_state_dict(source));
        Assert.Contains("size mismatch for conv.0.weight: checkpoint has [4, 3, 1, 1], model has [4, 2, 1, 1]", e.Problems);
        Assert.Contains("missing key in checkpoint: head.0.bias", e.Problems);
        Assert.Contains("unexpected key in checkpoint: extra.weight", e.Problems);
    }

    [Fact]
    public void NonStrictLoadReportsMissingAndUnexpected()
    {
        using var b = new Block();
        using var scope = torch.NewDisposeScope();
        var source = new List<KeyValuePair<string, Tensor>> { new("head.0.bias", torch.full(new long[] { 1 }, 3.0)), new("zzz", torch.zeros(new long[] { 1 })) };
        var result = b.load_state_dict(source, strict: false);
        Assert.Equal(new[] { "zzz" }, result.UnexpectedKeys);
        Assert.Equal(7, result.MissingKeys.Count);
        Assert.Equal(3f, b.state_dict().Single(kv => kv.Key == "head.0.bias").Value.data<float>()[0]);
    }

    [Fact]
    public void TrainEvalPropagates()
    {
        using var b = new Block();
        b.eval();
        Assert.All(b.named_modules(), m => Assert.False(m.Value.training));
        b.train();
        Assert.All(b.named_modules(), m => Assert.True(m.Value.training));
    }

    [Fact]
    public void NoGradScopeStopsRecording()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(new long[] { 2 }).requires_grad_();
        using (torch.no_grad())
        {
            Assert.False((x * 2).requires_grad);
            Assert.False(torch.is_grad_enabled());
        }
        Assert.True((x * 2).requires_grad);
    }
}
