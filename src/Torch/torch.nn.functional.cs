using static SsdLite.Torch.Interop.NativeMethods;

namespace SsdLite.Torch;

/// <summary>How a loss reduces over elements (numbered as at::Reduction).</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Stateless layers, as <c>torch.nn.functional</c>.</summary>
        public static class functional
        {
            private static IntPtr Opt(Tensor? t) => t?.Handle ?? IntPtr.Zero;

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, (long h, long w)? stride = null,
                (long h, long w)? padding = null, (long h, long w)? dilation = null, long groups = 1)
            {
                var s = stride ?? (1, 1);
                var p = padding ?? (0, 0);
                var d = dilation ?? (1, 1);
                return new Tensor(ssd_conv2d(input.Handle, weight.Handle, Opt(bias), s.h, s.w, p.h, p.w, d.h, d.w, groups), "conv2d");
            }

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) =>
                new(ssd_linear(input.Handle, weight.Handle, Opt(bias)), "linear");

            /// <summary>Batch normalisation; in training it updates running_mean/running_var in place.</summary>
            public static Tensor batch_norm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null,
                Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                new(ssd_batch_norm(input.Handle, Opt(weight), Opt(bias), Opt(runningMean), Opt(runningVar), training ? 1 : 0, momentum, eps),
                    "batch_norm");

            public static Tensor hardtanh(Tensor input, double min = -1, double max = 1) => new(ssd_hardtanh(input.Handle, min, max), "hardtanh");

            public static Tensor relu6(Tensor input) => hardtanh(input, 0, 6);

            public static Tensor relu(Tensor input) => input.relu();

            public static Tensor softmax(Tensor input, long dim) => new(ssd_softmax(input.Handle, dim), "softmax");

            public static Tensor log_softmax(Tensor input, long dim) => new(ssd_log_softmax(input.Handle, dim), "log_softmax");

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
                new(ssd_dropout(input.Handle, p, training ? 1 : 0), "dropout");

            public static Tensor adaptive_avg_pool2d(Tensor input, (long h, long w) outputSize) =>
                new(ssd_adaptive_avg_pool2d(input.Handle, outputSize.h, outputSize.w), "adaptive_avg_pool2d");

            /// <summary>Cross entropy of logits (N, C) or (N, C, ...) against class indices.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null,
                Reduction reduction = Reduction.Mean, long ignoreIndex = -100) =>
                new(ssd_cross_entropy(input.Handle, target.Handle, Opt(weight), (int)reduction, ignoreIndex), "cross_entropy");

            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0) =>
                new(ssd_smooth_l1(input.Handle, target.Handle, (int)reduction, beta), "smooth_l1_loss");

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                new(ssd_mse(input.Handle, target.Handle, (int)reduction), "mse_loss");
        }

        /// <summary>In-place parameter initialisers, as <c>torch.nn.init</c>.</summary>
        public static class init
        {
            public static Tensor kaiming_normal_(Tensor t, double a = 0, bool fanOut = false, bool relu = false)
            {
                TorchException.Check(ssd_kaiming_normal_(t.Handle, a, fanOut ? 1 : 0, relu ? 1 : 0), "kaiming_normal_");
                return t;
            }

            public static Tensor kaiming_uniform_(Tensor t, double a = 0, bool fanOut = false, bool relu = false)
            {
                TorchException.Check(ssd_kaiming_uniform_(t.Handle, a, fanOut ? 1 : 0, relu ? 1 : 0), "kaiming_uniform_");
                return t;
            }

            public static Tensor xavier_normal_(Tensor t, double gain = 1)
            {
                TorchException.Check(ssd_xavier_normal_(t.Handle, gain), "xavier_normal_");
                return t;
            }

            public static Tensor xavier_uniform_(Tensor t, double gain = 1)
            {
                TorchException.Check(ssd_xavier_uniform_(t.Handle, gain), "xavier_uniform_");
                return t;
            }

            public static Tensor normal_(Tensor t, double mean = 0, double std = 1) => t.normal_(mean, std);

            public static Tensor uniform_(Tensor t, double low = 0, double high = 1) => t.uniform_(low, high);

            public static Tensor zeros_(Tensor t) => t.zero_();

            public static Tensor ones_(Tensor t) => t.fill_(1);

            public static Tensor constant_(Tensor t, double value) => t.fill_(value);
        }
    }
}
