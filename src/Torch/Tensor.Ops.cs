using static SsdLite.Torch.Interop.NativeMethods;

namespace SsdLite.Torch;

// Views, indexing, arithmetic, reductions: each a one-line call into the bridge, named as in PyTorch.
public sealed partial class Tensor
{
    private unsafe Tensor WithDims(delegate*<IntPtr, long*, int, IntPtr> op, ReadOnlySpan<long> dims, string name)
    {
        fixed (long* p = dims) return new Tensor(op(Handle, p, dims.Length), name);
    }

    // shape and views
    public unsafe Tensor reshape(params long[] shape) => WithDims(&ssd_reshape, shape, "reshape");

    public unsafe Tensor view(params long[] shape) => WithDims(&ssd_view, shape, "view");

    public unsafe Tensor expand(params long[] shape) => WithDims(&ssd_expand, shape, "expand");

    public unsafe Tensor repeat(params long[] repeats) => WithDims(&ssd_repeat, repeats, "repeat");

    public unsafe Tensor permute(params long[] dims) => WithDims(&ssd_permute, dims, "permute");

    public Tensor transpose(long d0, long d1) => new(ssd_transpose(Handle, d0, d1), "transpose");

    public Tensor flatten(long start = 0, long end = -1) => new(ssd_flatten(Handle, start, end), "flatten");

    public Tensor squeeze(long dim) => new(ssd_squeeze(Handle, dim), "squeeze");

    public Tensor unsqueeze(long dim) => new(ssd_unsqueeze(Handle, dim), "unsqueeze");

    public Tensor slice(long dim, long start, long end, long step = 1) => new(ssd_slice(Handle, dim, start, end, step), "slice");

    public Tensor narrow(long dim, long start, long length) => new(ssd_narrow(Handle, dim, start, length), "narrow");

    public Tensor select(long dim, long index) => new(ssd_select(Handle, dim, index), "select");

    public Tensor this[long index] => select(0, index);

    public Tensor index_select(long dim, Tensor index) => new(ssd_index_select(Handle, dim, index.Handle), "index_select");

    public Tensor masked_select(Tensor mask) => new(ssd_masked_select(Handle, mask.Handle), "masked_select");

    public Tensor masked_fill(Tensor mask, double value) => new(ssd_masked_fill(Handle, mask.Handle, value), "masked_fill");

    public Tensor gather(long dim, Tensor index) => new(ssd_gather(Handle, dim, index.Handle), "gather");

    /// <summary>Advanced indexing on the first dimension by a long or bool tensor, as <c>t[index]</c>.</summary>
    public Tensor index(Tensor index) => new(ssd_index(Handle, index.Handle), "index");

    public Tensor index_put(Tensor index, Tensor values) => new(ssd_index_put(Handle, index.Handle, values.Handle), "index_put");

    public Tensor nonzero() => new(ssd_nonzero(Handle), "nonzero");

    public unsafe Tensor[] chunk(long chunks, long dim = 0)
    {
        var outs = new IntPtr[chunks];
        int n;
        fixed (IntPtr* p = outs) n = ssd_chunk(Handle, chunks, dim, p, outs.Length);
        if (n < 0) throw TorchException.FromLastError("chunk");
        var result = new Tensor[n];
        for (var i = 0; i < n; i++) result[i] = new Tensor(outs[i], "chunk");
        return result;
    }

    // arithmetic
    public Tensor add(Tensor other, double alpha = 1) => new(ssd_add(Handle, other.Handle, alpha), "add");

    public Tensor sub(Tensor other, double alpha = 1) => new(ssd_sub(Handle, other.Handle, alpha), "sub");

    public Tensor mul(Tensor other) => new(ssd_mul(Handle, other.Handle), "mul");

    public Tensor div(Tensor other) => new(ssd_div(Handle, other.Handle), "div");

    public Tensor add(double s) => new(ssd_add_scalar(Handle, s), "add");

    public Tensor mul(double s) => new(ssd_mul_scalar(Handle, s), "mul");

    public Tensor div(double s) => new(ssd_div_scalar(Handle, s), "div");

    public Tensor pow(double exponent) => new(ssd_pow_scalar(Handle, exponent), "pow");

    public Tensor pow(Tensor exponent) => new(ssd_pow_tensor(Handle, exponent.Handle), "pow");

    public Tensor maximum(Tensor other) => new(ssd_maximum(Handle, other.Handle), "maximum");

    public Tensor minimum(Tensor other) => new(ssd_minimum(Handle, other.Handle), "minimum");

    public Tensor matmul(Tensor other) => new(ssd_matmul(Handle, other.Handle), "matmul");

    public Tensor neg() => new(ssd_neg(Handle), "neg");

    public Tensor exp() => new(ssd_exp(Handle), "exp");

    public Tensor log() => new(ssd_log(Handle), "log");

    public Tensor sqrt() => new(ssd_sqrt(Handle), "sqrt");

    public Tensor abs() => new(ssd_abs(Handle), "abs");

    public Tensor sigmoid() => new(ssd_sigmoid(Handle), "sigmoid");

    public Tensor relu() => new(ssd_relu(Handle), "relu");

    public Tensor floor() => new(ssd_floor(Handle), "floor");

    public Tensor round() => new(ssd_round(Handle), "round");

    public Tensor clamp(double? min = null, double? max = null) =>
        new(ssd_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0), "clamp");

    public Tensor clamp_min(double min) => clamp(min, null);

    public Tensor clamp_max(double max) => clamp(null, max);

    public Tensor logical_not() => new(ssd_logical_not(Handle), "logical_not");

    public Tensor logical_and(Tensor other) => new(ssd_logical_and(Handle, other.Handle), "logical_and");

    public Tensor logical_or(Tensor other) => new(ssd_logical_or(Handle, other.Handle), "logical_or");

    // in place (the optimizers' verbs; they hold no_grad)
    public Tensor add_(Tensor other, double alpha = 1)
    {
        TorchException.Check(ssd_add_(Handle, other.Handle, alpha), "add_");
        return this;
    }

    public Tensor add_(double s)
    {
        TorchException.Check(ssd_add_scalar_(Handle, s), "add_");
        return this;
    }

    public Tensor mul_(double s)
    {
        TorchException.Check(ssd_mul_scalar_(Handle, s), "mul_");
        return this;
    }

    public Tensor copy_(Tensor source)
    {
        TorchException.Check(ssd_copy_(Handle, source.Handle), "copy_");
        return this;
    }

    public Tensor zero_()
    {
        TorchException.Check(ssd_zero_(Handle), "zero_");
        return this;
    }

    public Tensor fill_(double value)
    {
        TorchException.Check(ssd_fill_(Handle, value), "fill_");
        return this;
    }

    public Tensor normal_(double mean = 0, double std = 1)
    {
        TorchException.Check(ssd_normal_(Handle, mean, std), "normal_");
        return this;
    }

    public Tensor uniform_(double low = 0, double high = 1)
    {
        TorchException.Check(ssd_uniform_(Handle, low, high), "uniform_");
        return this;
    }

    // comparisons
    private Tensor Compare(Tensor other, int op) => new(ssd_compare(Handle, other.Handle, op), "compare");

    private Tensor Compare(double s, int op) => new(ssd_compare_scalar(Handle, s, op), "compare");

    public Tensor eq(Tensor other) => Compare(other, 0);

    public Tensor ne(Tensor other) => Compare(other, 1);

    public Tensor lt(Tensor other) => Compare(other, 2);

    public Tensor le(Tensor other) => Compare(other, 3);

    public Tensor gt(Tensor other) => Compare(other, 4);

    public Tensor ge(Tensor other) => Compare(other, 5);

    public Tensor eq(double s) => Compare(s, 0);

    public Tensor ne(double s) => Compare(s, 1);

    public Tensor lt(double s) => Compare(s, 2);

    public Tensor le(double s) => Compare(s, 3);

    public Tensor gt(double s) => Compare(s, 4);

    public Tensor ge(double s) => Compare(s, 5);

    // reductions
    public Tensor sum() => new(ssd_sum_all(Handle), "sum");

    public Tensor mean() => new(ssd_mean_all(Handle), "mean");

    public Tensor max() => new(ssd_max_all(Handle), "max");

    public Tensor min() => new(ssd_min_all(Handle), "min");

    public unsafe Tensor sum(long dim, bool keepdim = false) => sum(new[] { dim }, keepdim);

    public unsafe Tensor sum(long[] dims, bool keepdim = false)
    {
        fixed (long* p = dims) return new Tensor(ssd_sum(Handle, p, dims.Length, keepdim ? 1 : 0), "sum");
    }

    public unsafe Tensor mean(long dim, bool keepdim = false) => mean(new[] { dim }, keepdim);

    public unsafe Tensor mean(long[] dims, bool keepdim = false)
    {
        fixed (long* p = dims) return new Tensor(ssd_mean(Handle, p, dims.Length, keepdim ? 1 : 0), "mean");
    }

    public Tensor argmax(long dim, bool keepdim = false) => new(ssd_argmax(Handle, dim, keepdim ? 1 : 0), "argmax");

    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        TorchException.Check(ssd_max_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), "max");
        return (new Tensor(v, "max"), new Tensor(i, "max"));
    }

    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false)
    {
        TorchException.Check(ssd_min_dim(Handle, dim, keepdim ? 1 : 0, out var v, out var i), "min");
        return (new Tensor(v, "min"), new Tensor(i, "min"));
    }

    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false, bool stable = false)
    {
        TorchException.Check(ssd_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, out var v, out var i), "sort");
        return (new Tensor(v, "sort"), new Tensor(i, "sort"));
    }

    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        TorchException.Check(ssd_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, out var v, out var i), "topk");
        return (new Tensor(v, "topk"), new Tensor(i, "topk"));
    }

    // operators
    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);

    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);

    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);

    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);

    public static Tensor operator +(Tensor a, double s) => a.add(s);

    public static Tensor operator +(double s, Tensor a) => a.add(s);

    public static Tensor operator -(Tensor a, double s) => a.add(-s);

    public static Tensor operator -(double s, Tensor a) => new(ssd_rsub_scalar(a.Handle, s), "rsub");

    public static Tensor operator *(Tensor a, double s) => a.mul(s);

    public static Tensor operator *(double s, Tensor a) => a.mul(s);

    public static Tensor operator /(Tensor a, double s) => a.div(s);

    public static Tensor operator -(Tensor a) => a.neg();
}
