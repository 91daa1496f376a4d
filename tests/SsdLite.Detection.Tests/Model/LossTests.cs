using SsdLite.Core;
using SsdLite.Detection.Models;
namespace SsdLite.Detection.Tests.Model;

public class LossTests
{
    [Fact]
    public void HandComputedLossWithIgnoredPrior()
    {
        using var scope = torch.NewDisposeScope();
        // 4 priors, 2 classes, all logits 0: every cross entropy is ln 2. Labels: one positive, two background,
        // one ignored. Negatives wanted 3 per positive, only 2 eligible: 3 terms in all over 1 positive.
        var conf = torch.zeros(new long[] { 1, 4, 2 });
        var loc = torch.zeros(new long[] { 1, 4, 4 });
        var labels = torch.tensor(new long[] { 1, 0, 0, -1 }, 1, 4);
        var gt = torch.tensor(new float[] { 0.5f, -2, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 }, 1, 4, 4);
        using var parts = new MultiBoxLoss().Compute(conf, loc, labels, gt);
        Assert.Equal(3 * Math.Log(2), parts.Classification.item<float>(), 5);
        // smooth L1 of (0.5, 2, 0, 0): 0.125 + 1.5.
        Assert.Equal(1.625, parts.Regression.item<float>(), 5);
    }

    [Fact]
    public void HardNegativesAreTheThreeHighestBackgroundLossesPerPositive()
    {
        using var scope = torch.NewDisposeScope();
        // Background logit falls with the prior index, so background loss rises: the hardest negatives are the last ones.
        var logits = new float[10 * 2];
        for (var i = 0; i < 10; i++) logits[2 * i] = -i;
        var conf = torch.tensor(logits, 1, 10, 2);
        var labels = torch.tensor(new long[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, -1 }, 1, 10);
        var mask = new MultiBoxLoss().HardNegatives(conf, labels, labels.gt(0)).data<bool>().ToArray();
        // prior 9 is ignored, prior 0 positive: negatives are 8, 7, 6.
        Assert.Equal(new[] { false, false, false, false, false, false, true, true, true, false }, mask);
    }

    [Fact]
    public void ImageWithoutObjectsStillContributesMinimumNegativesAndTheLossIsFinite()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        var conf = torch.randn(new long[] { 2, 20, 3 });
        var loc = torch.randn(new long[] { 2, 20, 4 });
        var labels = torch.zeros(new long[] { 2, 20 }, ScalarType.Int64);
        var gt = torch.zeros(new long[] { 2, 20, 4 });
        var loss = new MultiBoxLoss(minNegativesPerImage: 4);
        var mask = loss.HardNegatives(conf, labels, labels.gt(0));
        Assert.Equal(8.0, mask.sum().item<long>());
        using var parts = loss.Compute(conf, loc, labels, gt);
        Assert.Equal(0.0, parts.Regression.item<float>());
        Assert.True(double.IsFinite(parts.Classification.item<float>()) && parts.Classification.item<float>() > 0);
    }

    [Theory]
    [InlineData(SsdArch.Mb2SsdLite, 10)]
    [InlineData(SsdArch.Mb1Ssd, 10)]
    // Without BatchNorm in its heads and extras, MobileNetV1 SSD-Lite starts slower from the Xavier initialisation:
    // 0.92 of the first loss after 10 steps, 0.73 after 30 (the others: 0.36 and 0.35 after 10).
    [InlineData(SsdArch.Mb1SsdLite, 30)]
    public void GradientStepsReduceTheLossOnAFixedBatch(SsdArch arch, int steps)
    {
        torch.manual_seed(4);
        var config = new SsdLiteConfig(new[] { "a", "b" }, width: 0.35, inputSize: 96, arch: arch);
        using var model = new SsdLiteModel(config);
        var priors = config.GeneratePriors();
        var matcher = new Matcher(priors, new BoxCoder(config.Priors));
        var p = priors.Length / 4;
        var locTargets = new float[2 * p * 4];
        var labelTargets = new long[2 * p];
        matcher.Encode(new[] { 0.1f, 0.1f, 0.5f, 0.6f }, new[] { 1 }, default, locTargets.AsSpan(0, p * 4), labelTargets.AsSpan(0, p));
        matcher.Encode(new[] { 0.3f, 0.2f, 0.9f, 0.9f, 0.05f, 0.6f, 0.3f, 0.95f }, new[] { 2, 1 }, default,
            locTargets.AsSpan(p * 4), labelTargets.AsSpan(p));
        using var images = torch.randn(new long[] { 2, 3, 96, 96 }).DetachFromDisposeScope();
        using var gt = torch.tensor(locTargets, 2, p, 4).DetachFromDisposeScope();
        using var labels = torch.tensor(labelTargets, 2, p).DetachFromDisposeScope();
        using var opt = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        var loss = new MultiBoxLoss();
        double Step()
        {
            using var _ = torch.NewDisposeScope();
            opt.zero_grad();
            using var outputs = model.forward(images);
            using var parts = loss.Compute(outputs.Confidences, outputs.Locations, labels, gt);
            var total = parts.Total();
            total.backward();
            opt.step();
            return total.item<float>();
        }
        var first = Step();
        double last = first;
        for (var i = 0; i < steps; i++) last = Step();
        Assert.True(last < first * 0.8, $"loss went from {first} to {last}");
    }
}
