using SsdLite.Torch.Optim;

namespace SsdLite.Platform.Tests.Engine;

public class OptimTests
{
    [Fact]
    public void SgdMomentumWeightDecayMatchesHandTrajectory()
    {
        using var p = torch.tensor(new double[] { 1, -2 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new SGD(new[] { p }, lr: 0.1, momentum: 0.9, weightDecay: 0.1);
        // loss = sum(p^2), g = 2p; d = g + 0.1 p; b = 0.9 b + d (b = d first); p -= 0.1 b. For p0 = 1:
        // step 1: d = 2.1, b = 2.1, p = 0.79; step 2: d = 1.659, b = 3.549, p = 0.4351;
        // step 3: d = 0.91371, b = 4.10781, p = 0.024319. The update is linear in p, so p0 = -2 doubles and negates.
        var expected = new[] { 0.79, 0.4351, 0.024319 };
        for (var k = 0; k < 3; k++)
        {
            using (torch.NewDisposeScope())
            {
                opt.zero_grad();
                (p * p).sum().backward();
                opt.step();
            }
            var v = p.data<double>();
            Assert.Equal(expected[k], v[0], 12);
            Assert.Equal(-2 * expected[k], v[1], 12);
        }
    }

    [Fact]
    public void NesterovAndGroupLearningRates()
    {
        using var a = torch.tensor(new double[] { 1 }).DetachFromDisposeScope().requires_grad_();
        using var b = torch.tensor(new double[] { 1 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new SGD(new[] { new ParamGroup(new[] { a }), new ParamGroup(new[] { b }, lr: 0.01) }, lr: 0.1, momentum: 0.5, nesterov: true);
        for (var k = 0; k < 2; k++)
        {
            using (torch.NewDisposeScope())
            {
                opt.zero_grad();
                (a * 3 + b * 3).sum().backward();
                opt.step();
            }
        }
        // g = 3 always. step 1: b = 3, d = 3 + 0.5*3 = 4.5; step 2: b = 4.5, d = 3 + 2.25 = 5.25.
        Assert.Equal(1 - 0.1 * (4.5 + 5.25), a.data<double>()[0], 12);
        Assert.Equal(1 - 0.01 * (4.5 + 5.25), b.data<double>()[0], 12);
    }

    [Fact]
    public void MomentumStateRoundTripsThroughStateDict()
    {
        using var p = torch.tensor(new double[] { 1, 2 }).DetachFromDisposeScope().requires_grad_();
        using var q = torch.tensor(new double[] { 1, 2 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new SGD(new[] { p }, 0.1, momentum: 0.9);
        using var opt2 = new SGD(new[] { q }, 0.1, momentum: 0.9);
        void Step(SGD o, Tensor t)
        {
            using var _ = torch.NewDisposeScope();
            o.zero_grad();
            (t * t).sum().backward();
            o.step();
        }
        Step(opt, p);
        Step(opt2, q);
        opt2.load_state_dict(opt.state_dict());
        Step(opt, p);
        Step(opt2, q);
        Assert.Equal(p.data<double>(), q.data<double>());
    }

    [Fact]
    public void AdamWMatchesTorchTrajectory()
    {
        // Expected values printed by torch 1.13's torch.optim.AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8,
        // weight_decay=0.1) on loss = sum(p^3) from p = [1, -2, 0.5], float64. By hand for step 1 of p = 1:
        // p·(1 − 0.01) = 0.99, m̂ = g = 3, v̂ = g² = 9, so p = 0.99 − 0.1·3 / (3 + 1e-8) = 0.8900000003.
        var expected = new[]
        {
            new[] { 0.8900000003333333, -2.0799999999166667, 0.39500000133333335 },
            new[] { 0.7823670430909364, -2.159327454072058, 0.29480167551402436 },
            new[] { 0.6780909260555341, -2.238070054353483, 0.20241270410809137 },
        };
        using var p = torch.tensor(new double[] { 1, -2, 0.5 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new AdamW(new[] { p }, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1);
        for (var k = 0; k < 3; k++)
        {
            using (torch.NewDisposeScope())
            {
                opt.zero_grad();
                (p * p * p).sum().backward();
                opt.step();
            }
            var v = p.data<double>();
            for (var i = 0; i < 3; i++) Assert.Equal(expected[k][i], v[i], 12);
        }
    }

    [Fact]
    public void AdamWStateAndStepCountRoundTripThroughStateDict()
    {
        using var p = torch.tensor(new double[] { 1, 2 }).DetachFromDisposeScope().requires_grad_();
        using var q = torch.tensor(new double[] { 1, 2 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new AdamW(new[] { p }, 0.1);
        using var opt2 = new AdamW(new[] { q }, 0.1);
        void Step(AdamW o, Tensor t)
        {
            using var _ = torch.NewDisposeScope();
            o.zero_grad();
            (t * t * t).sum().backward();
            o.step();
        }
        Step(opt, p);
        Step(opt, p);
        Step(opt2, q);
        using (torch.no_grad()) q.copy_(p);
        var state = opt.state_dict();
        Assert.Equal(new[] { "exp_avg.0", "exp_avg_sq.0", "step" }, state.Select(kv => kv.Key));
        opt2.load_state_dict(state);
        Assert.Equal(2, opt2.Steps);
        Step(opt, p);
        Step(opt2, q);
        Assert.Equal(p.data<double>(), q.data<double>());
    }

    [Fact]
    public void SchedulersFollowTheirFormulas()
    {
        using var p = torch.ones(new long[] { 1 }).DetachFromDisposeScope().requires_grad_();
        using var opt = new SGD(new[] { p }, 0.1);
        var multi = new MultiStepLR(opt, new[] { 2, 4 }, 0.1);
        var seen = new List<double> { multi.get_last_lr()[0] };
        for (var i = 0; i < 5; i++)
        {
            multi.step();
            seen.Add(multi.get_last_lr()[0]);
        }
        var expectedMulti = new[] { 0.1, 0.1, 0.01, 0.01, 0.001, 0.001 };
        for (var i = 0; i < expectedMulti.Length; i++) Assert.Equal(expectedMulti[i], seen[i], 12);

        var cosine = new CosineAnnealingLR(opt, 4, etaMin: 0.02);
        cosine.step();
        // 0.02 + 0.08 (1 + cos(pi/4)) / 2
        Assert.Equal(0.02 + 0.04 * (1 + Math.Sqrt(0.5)), opt.Groups[0].LearningRate!.Value, 12);
        cosine.load_state(4);
        Assert.Equal(0.02, opt.Groups[0].LearningRate!.Value, 12);

        var warm = new WarmupLR(opt, 4, 0.2, s => 0.5);
        Assert.Equal(0.1 * 0.2, opt.Groups[0].LearningRate!.Value, 12);
        warm.step();
        warm.step();
        Assert.Equal(0.1 * 0.6, opt.Groups[0].LearningRate!.Value, 12);
        warm.load_state(10);
        Assert.Equal(0.05, opt.Groups[0].LearningRate!.Value, 12);
    }
}
