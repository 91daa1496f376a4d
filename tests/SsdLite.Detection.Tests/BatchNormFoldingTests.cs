using SsdLite.Core;
using SsdLite.Detection.Models;
namespace SsdLite.Detection.Tests;

public class BatchNormFoldingTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void FoldedModelGivesTheUnfoldedOutputsInEvalMode()
    {
        torch.manual_seed(11);
        using var model = new SsdLiteModel(new SsdLiteConfig(["a", "b", "c"]));
        RandomizeBatchNorms(model);
        model.eval();
        using var folded = BatchNormFolding.Fold(model);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var input = torch.randn(new long[] { 2, 3, 300, 300 });

        using var expected = model.forward(input);
        using var actual = folded.forward(input);

        Assert.Equal(expected.Confidences.shape, actual.Confidences.shape);
        Assert.Equal(expected.Locations.shape, actual.Locations.shape);
        AssertClose(expected.Confidences, actual.Confidences);
        AssertClose(expected.Locations, actual.Locations);
    }

    [Fact]
    public void FoldedModelHasNoBatchNormAndBiasedConvs()
    {
        using var model = new SsdLiteModel(new SsdLiteConfig(["a"]));
        using var folded = BatchNormFolding.Fold(model);

        var modules = folded.named_modules().Select(m => m.module).ToList();
        Assert.DoesNotContain(modules, m => m is BatchNorm);
        var convs = modules.OfType<Conv2d>().ToList();
        Assert.Equal(model.named_modules().Count(m => m.module is Conv2d), convs.Count);
        Assert.All(convs, c => Assert.NotNull(c.bias));
        Assert.False(folded.training);
    }

    [Fact]
    public void FoldingOnePairMatchesConvThenBatchNorm()
    {
        torch.manual_seed(5);
        using var conv = nn.Conv2d(4, 6, 3, padding: 1, bias: true);
        using var bn = nn.BatchNorm2d(6);
        RandomizeBatchNorm(bn);
        bn.eval();
        using var folded = BatchNormFolding.FoldConv(conv, bn);
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = torch.randn(new long[] { 2, 4, 7, 7 });

        AssertClose(bn.forward(conv.forward(x)), folded.forward(x));
    }

    /// <summary>Non-trivial statistics: means away from 0, variances away from 1, scales and shifts not 1 and 0.</summary>
    private static void RandomizeBatchNorms(nn.Module model)
    {
        foreach (var bn in model.named_modules().Select(m => m.module).OfType<BatchNorm>()) RandomizeBatchNorm(bn);
    }

    private static void RandomizeBatchNorm(BatchNorm bn)
    {
        using var _ = torch.no_grad();
        bn.weight.uniform_(0.5, 1.5);
        bn.bias!.normal_(0, 0.2);
        bn.running_mean!.normal_(0, 0.3);
        bn.running_var!.uniform_(0.3, 2.0);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        using var scope = torch.NewDisposeScope();
        var scale = Math.Max(1.0, expected.abs().max().item<float>());
        var worst = (expected - actual).abs().max().item<float>();
        Assert.True(worst <= Tolerance * scale, $"max |difference| {worst} exceeds {Tolerance} x {scale}");
    }
}
