using F = SsdLite.Torch.torch.nn.functional;

namespace SsdLite.Platform.Tests.Engine;

public class GradientTests
{
    private static Tensor R(params long[] shape)
    {
        torch.manual_seed((ulong)shape.Sum() + 11);
        return torch.randn(shape, ScalarType.Float64).DetachFromDisposeScope();
    }

    private static Tensor Positive(params long[] shape) => (R(shape).abs() + 0.5).DetachFromDisposeScope();

    private static Tensor Long(long[] values, params long[] shape) => torch.tensor(values, shape).DetachFromDisposeScope();

    [Fact] public void Add() => GradCheck.Check(x => x[0] + x[1] * 2.0, R(2, 3), R(3));
    [Fact] public void AddAlpha() => GradCheck.Check(x => x[0].add(x[1], 0.3), R(2, 3), R(2, 3));
    [Fact] public void Sub() => GradCheck.Check(x => x[0] - x[1] - 1.5, R(2, 3), R(2, 1));
    [Fact] public void Mul() => GradCheck.Check(x => x[0] * x[1], R(2, 3), R(2, 3));
    [Fact] public void Div() => GradCheck.Check(x => x[0] / x[1], R(2, 3), Positive(2, 3));
    [Fact] public void RSubScalar() => GradCheck.Check(x => 2.0 - x[0], R(4));
    [Fact] public void Exp() => GradCheck.Check(x => x[0].exp(), R(5));
    [Fact] public void Log() => GradCheck.Check(x => x[0].log(), Positive(5));
    [Fact] public void Sqrt() => GradCheck.Check(x => x[0].sqrt(), Positive(5));
    [Fact] public void PowScalar() => GradCheck.Check(x => x[0].pow(3), R(5));
    [Fact] public void PowTensor() => GradCheck.Check(x => x[0].pow(x[1]), Positive(4), R(4));
    [Fact] public void Abs() => GradCheck.Check(x => x[0].abs(), Positive(5));
    [Fact] public void Neg() => GradCheck.Check(x => -x[0], R(5));
    [Fact] public void Sigmoid() => GradCheck.Check(x => x[0].sigmoid(), R(5));
    [Fact] public void Clamp() => GradCheck.Check(x => x[0].clamp(-0.5, 0.5), Long(new long[] { -3, -1, 0, 1, 3 }, 5).to(ScalarType.Float64).mul(0.3).DetachFromDisposeScope());
    [Fact] public void MaximumMinimum() => GradCheck.Check(x => x[0].maximum(x[1]) + x[0].minimum(x[1]) * 3, R(6), R(3, 6));
    [Fact] public void Where() => GradCheck.Check(x => torch.where(x[0].gt(0), x[0] * 2, x[1]), R(6), R(6));
    [Fact] public void MatMul() => GradCheck.Check(x => x[0].matmul(x[1]), R(2, 3), R(3, 4));
    [Fact] public void SumMean() => GradCheck.Check(x => x[0].sum(1) + x[0].mean(new long[] { 1 }) + x[0].sum(), R(3, 4));
    [Fact] public void MaxMinAlongDim() => GradCheck.Check(x => x[0].max(1).values + x[0].min(0).values.sum(), R(3, 4));
    [Fact] public void MaxAll() => GradCheck.Check(x => x[0].max() - x[0].min(), R(7));
    [Fact] public void SortTopk() => GradCheck.Check(x => x[0].sort(1, descending: true).values.slice(1, 0, 2, 1) + x[0].topk(2, 1).values, R(3, 5));
    [Fact] public void Views() => GradCheck.Check(x => x[0].reshape(3, 4).permute(1, 0).transpose(0, 1).contiguous().view(12).unsqueeze(0).squeeze(0).flatten(), R(2, 6));
    [Fact] public void SliceSelectNarrow() => GradCheck.Check(x => x[0].slice(1, 1, 4, 2).select(0, 1) + x[0].narrow(0, 0, 1).sum(), R(3, 5));
    [Fact] public void IndexSelectGather() => GradCheck.Check(x => x[0].index_select(0, Long(new long[] { 2, 0, 2 }, 3)).gather(1, Long(new long[] { 0, 3, 1, 1, 2, 2 }, 3, 2)), R(3, 4));
    [Fact] public void MaskedSelectIndex() => GradCheck.Check(x => x[0].masked_select(x[0].gt(0)) * 1.0 + x[0].index(Long(new long[] { 1, 1 }, 2)).sum(), R(4));
    [Fact] public void CatStackChunk() => GradCheck.Check(x => torch.cat(new[] { x[0], x[1] }, 1) + torch.stack(new[] { x[0], x[0] * 2 }, 1).reshape(2, 4).chunk(2, 1)[1].repeat(1, 2).slice(1, 0, 4), R(2, 2), R(2, 2));
    [Fact] public void ExpandRepeat() => GradCheck.Check(x => x[0].expand(3, 4) * x[1].repeat(3, 1), R(1, 4), R(1, 4));
    [Fact] public void Conv2d() => GradCheck.Check(x => F.conv2d(x[0], x[1], x[2], stride: (2, 2), padding: (1, 1)), R(2, 3, 5, 5), R(4, 3, 3, 3), R(4));
    [Fact] public void Conv2dDepthwise() => GradCheck.Check(x => F.conv2d(x[0], x[1], null, stride: (2, 2), padding: (1, 1), groups: 3), R(1, 3, 5, 4), R(3, 1, 3, 3));
    [Fact] public void Linear() => GradCheck.Check(x => F.linear(x[0], x[1], x[2]), R(3, 4), R(2, 4), R(2));
    [Fact] public void BatchNormTraining() => GradCheck.Check(x => F.batch_norm(x[0], null, null, x[1], x[2], training: true), R(3, 2, 2, 2), Positive(2), R(2));
    [Fact] public void BatchNormEval() => GradCheck.Check(x => F.batch_norm(x[0], Long(new long[] { 0, 1 }, 2).to(ScalarType.Float64).DetachFromDisposeScope(), Positive(2), x[1], x[2], training: false), R(2, 2, 3, 1), Positive(2), R(2));
    [Fact] public void Hardtanh() => GradCheck.Check(x => F.relu6(x[0] * 4) + F.hardtanh(x[0]), R(8));
    [Fact] public void Softmax() => GradCheck.Check(x => F.softmax(x[0], 1) + F.log_softmax(x[0], 0), R(3, 4));
    [Fact] public void CrossEntropy() => GradCheck.Check(x => F.cross_entropy(x[0], Long(new long[] { 2, 0, 1 }, 3), reduction: Reduction.None), R(3, 4));
    [Fact] public void CrossEntropyMean() => GradCheck.Check(x => F.cross_entropy(x[0], Long(new long[] { 2, 0, 1 }, 3)), R(3, 4));
    [Fact] public void SmoothL1() => GradCheck.Check(x => F.smooth_l1_loss(x[0], x[1], Reduction.None), R(6).mul(3).DetachFromDisposeScope(), R(6));
    [Fact] public void AdaptiveAvgPool() => GradCheck.Check(x => F.adaptive_avg_pool2d(x[0], (1, 1)), R(2, 3, 4, 4));
    [Fact] public void Mse() => GradCheck.Check(x => F.mse_loss(x[0], x[1]), R(5), R(5));

    [Fact]
    public void Dropout()
    {
        // The same seed before each evaluation gives the same mask, so the function is deterministic.
        GradCheck.Check(x =>
        {
            torch.manual_seed(3);
            return F.dropout(x[0], 0.4, training: true);
        }, R(20));
    }
}
