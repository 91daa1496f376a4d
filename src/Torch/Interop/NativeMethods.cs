using System.Runtime.InteropServices;

namespace SsdLite.Torch.Interop;

/// <summary>The C ABI of libssdlite_torch. Handles are owned <c>at::Tensor*</c>; null means "see ssd_last_error".</summary>
internal static class NativeMethods
{
    private const string Lib = "ssdlite_torch";

    // process state
    [DllImport(Lib)] internal static extern IntPtr ssd_last_error();
    [DllImport(Lib)] internal static extern void ssd_clear_error();
    [DllImport(Lib)] internal static extern int ssd_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int ssd_get_num_threads();
    [DllImport(Lib)] internal static extern int ssd_manual_seed(ulong seed);
    [DllImport(Lib)] internal static extern int ssd_cuda_is_available();
    [DllImport(Lib)] internal static extern int ssd_cuda_device_count();
    [DllImport(Lib)] internal static extern int ssd_cuda_synchronize(int index);
    [DllImport(Lib)] internal static extern int ssd_grad_enabled();
    [DllImport(Lib)] internal static extern void ssd_set_grad_enabled(int enabled);
    [DllImport(Lib)] internal static extern IntPtr ssd_version();
    [DllImport(Lib)] internal static extern double ssd_bench_native_add(IntPtr a, IntPtr b, int iterations);

    // lifetime, creation, data
    [DllImport(Lib)] internal static extern void ssd_free(IntPtr t);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_empty(long* shape, int ndim, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_zeros(long* shape, int ndim, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_ones(long* shape, int ndim, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_full(long* shape, int ndim, double value, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern IntPtr ssd_arange(double start, double end, double step, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_rand(long* shape, int ndim, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_randn(long* shape, int ndim, int dtype, int dev, int idx);
    [DllImport(Lib)] internal static extern IntPtr ssd_randperm(long n, int dev, int idx);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_from_data(void* data, long* shape, int ndim, int dtype);
    [DllImport(Lib)] internal static extern unsafe int ssd_copy_to_host(IntPtr t, void* dst, long bytes);
    [DllImport(Lib)] internal static extern unsafe int ssd_copy_from_host(IntPtr t, void* src, long bytes);
    [DllImport(Lib)] internal static extern IntPtr ssd_data_ptr(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_dim(IntPtr t);
    [DllImport(Lib)] internal static extern long ssd_numel(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_dtype(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_device_type(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_device_index(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_is_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern unsafe void ssd_shape(IntPtr t, long* shape);
    [DllImport(Lib)] internal static extern unsafe int ssd_item(IntPtr t, double* value);
    [DllImport(Lib)] internal static extern IntPtr ssd_to(IntPtr t, int dtype, int dev, int idx, int copy);
    [DllImport(Lib)] internal static extern IntPtr ssd_clone(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr ssd_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr ssd_contiguous_format(IntPtr t, int format);
    [DllImport(Lib)] internal static extern int ssd_is_contiguous_format(IntPtr t, int format);
    [DllImport(Lib)] internal static extern IntPtr ssd_alias(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr ssd_to_string(IntPtr t);

    // autograd
    [DllImport(Lib)] internal static extern int ssd_requires_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_set_requires_grad(IntPtr t, int value);
    [DllImport(Lib)] internal static extern IntPtr ssd_detach(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_backward(IntPtr t, IntPtr gradient, int retainGraph);
    [DllImport(Lib)] internal static extern IntPtr ssd_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_zero_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_set_grad(IntPtr t, IntPtr g);

    // in-place initialisation
    [DllImport(Lib)] internal static extern int ssd_normal_(IntPtr t, double mean, double std);
    [DllImport(Lib)] internal static extern int ssd_uniform_(IntPtr t, double lo, double hi);
    [DllImport(Lib)] internal static extern int ssd_fill_(IntPtr t, double v);
    [DllImport(Lib)] internal static extern int ssd_zero_(IntPtr t);
    [DllImport(Lib)] internal static extern int ssd_copy_(IntPtr dst, IntPtr src);
    [DllImport(Lib)] internal static extern int ssd_kaiming_normal_(IntPtr t, double a, int fanOut, int relu);
    [DllImport(Lib)] internal static extern int ssd_kaiming_uniform_(IntPtr t, double a, int fanOut, int relu);
    [DllImport(Lib)] internal static extern int ssd_xavier_normal_(IntPtr t, double gain);
    [DllImport(Lib)] internal static extern int ssd_xavier_uniform_(IntPtr t, double gain);

    // views and shape
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_reshape(IntPtr t, long* shape, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_view(IntPtr t, long* shape, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_expand(IntPtr t, long* shape, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_repeat(IntPtr t, long* shape, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_permute(IntPtr t, long* dims, int n);
    [DllImport(Lib)] internal static extern IntPtr ssd_transpose(IntPtr t, long d0, long d1);
    [DllImport(Lib)] internal static extern IntPtr ssd_flatten(IntPtr t, long start, long end);
    [DllImport(Lib)] internal static extern IntPtr ssd_squeeze(IntPtr t, long dim);
    [DllImport(Lib)] internal static extern IntPtr ssd_unsqueeze(IntPtr t, long dim);
    [DllImport(Lib)] internal static extern IntPtr ssd_slice(IntPtr t, long dim, long start, long end, long step);
    [DllImport(Lib)] internal static extern IntPtr ssd_narrow(IntPtr t, long dim, long start, long length);
    [DllImport(Lib)] internal static extern IntPtr ssd_select(IntPtr t, long dim, long index);
    [DllImport(Lib)] internal static extern IntPtr ssd_index_select(IntPtr t, long dim, IntPtr index);
    [DllImport(Lib)] internal static extern IntPtr ssd_masked_select(IntPtr t, IntPtr mask);
    [DllImport(Lib)] internal static extern IntPtr ssd_masked_fill(IntPtr t, IntPtr mask, double value);
    [DllImport(Lib)] internal static extern IntPtr ssd_gather(IntPtr t, long dim, IntPtr index);
    [DllImport(Lib)] internal static extern IntPtr ssd_index(IntPtr t, IntPtr index);
    [DllImport(Lib)] internal static extern IntPtr ssd_index_put(IntPtr t, IntPtr index, IntPtr values);
    [DllImport(Lib)] internal static extern IntPtr ssd_nonzero(IntPtr t);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_cat(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_stack(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern unsafe int ssd_chunk(IntPtr t, long chunks, long dim, IntPtr* outs, int capacity);

    // elementwise
    [DllImport(Lib)] internal static extern IntPtr ssd_add(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr ssd_sub(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr ssd_mul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_div(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_pow_tensor(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_maximum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_minimum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_matmul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_add_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_mul_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_div_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_pow_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_rsub_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_neg(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_exp(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_log(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_sqrt(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_abs(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_sigmoid(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_relu(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_floor(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_round(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_logical_not(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_logical_and(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_logical_or(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_clamp(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [DllImport(Lib)] internal static extern IntPtr ssd_where(IntPtr cond, IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int ssd_add_(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern int ssd_mul_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int ssd_add_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr ssd_compare(IntPtr a, IntPtr b, int op);
    [DllImport(Lib)] internal static extern IntPtr ssd_compare_scalar(IntPtr a, double s, int op);

    // reductions and sorting
    [DllImport(Lib)] internal static extern IntPtr ssd_sum_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_mean_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_max_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr ssd_min_all(IntPtr a);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_sum(IntPtr a, long* dims, int n, int keepdim);
    [DllImport(Lib)] internal static extern unsafe IntPtr ssd_mean(IntPtr a, long* dims, int n, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr ssd_argmax(IntPtr a, long dim, int keepdim);
    [DllImport(Lib)] internal static extern int ssd_max_dim(IntPtr a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern int ssd_min_dim(IntPtr a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern int ssd_sort(IntPtr a, long dim, int descending, int stable, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern int ssd_topk(IntPtr a, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);

    // nn
    [DllImport(Lib)] internal static extern IntPtr ssd_conv2d(IntPtr x, IntPtr w, IntPtr b, long sh, long sw, long ph, long pw, long dh, long dw, long groups);
    [DllImport(Lib)] internal static extern IntPtr ssd_linear(IntPtr x, IntPtr w, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr ssd_batch_norm(IntPtr x, IntPtr w, IntPtr b, IntPtr mean, IntPtr var, int training, double momentum, double eps);
    [DllImport(Lib)] internal static extern IntPtr ssd_hardtanh(IntPtr x, double lo, double hi);
    [DllImport(Lib)] internal static extern IntPtr ssd_softmax(IntPtr x, long dim);
    [DllImport(Lib)] internal static extern IntPtr ssd_log_softmax(IntPtr x, long dim);
    [DllImport(Lib)] internal static extern IntPtr ssd_dropout(IntPtr x, double p, int train);
    [DllImport(Lib)] internal static extern IntPtr ssd_adaptive_avg_pool2d(IntPtr x, long oh, long ow);
    [DllImport(Lib)] internal static extern IntPtr ssd_cross_entropy(IntPtr x, IntPtr target, IntPtr weight, int reduction, long ignoreIndex);
    [DllImport(Lib)] internal static extern IntPtr ssd_smooth_l1(IntPtr x, IntPtr target, int reduction, double beta);
    [DllImport(Lib)] internal static extern IntPtr ssd_mse(IntPtr x, IntPtr target, int reduction);

    internal static string LastError()
    {
        var p = ssd_last_error();
        return p == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(p) ?? "";
    }
}
