// Neural-network functionals: convolution, normalisation, activations, losses.
#include "bridge.h"

SSD_EXPORT TH ssd_conv2d(TH x, TH w, TH b, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                         int64_t groups) {
  SSD_TENSOR(at::conv2d(*x, *w, ssd::opt(b), {sh, sw}, {ph, pw}, {dh, dw}, groups))
}
SSD_EXPORT TH ssd_linear(TH x, TH w, TH b) { SSD_TENSOR(at::linear(*x, *w, ssd::opt(b))) }

// Updates running_mean/running_var in place when training.
SSD_EXPORT TH ssd_batch_norm(TH x, TH w, TH b, TH mean, TH var, int training, double momentum, double eps) {
  SSD_TENSOR(at::batch_norm(*x, ssd::opt(w), ssd::opt(b), ssd::opt(mean), ssd::opt(var), training != 0, momentum,
                            eps, at::globalContext().userEnabledCuDNN()))
}
SSD_EXPORT TH ssd_hardtanh(TH x, double lo, double hi) { SSD_TENSOR(at::hardtanh(*x, lo, hi)) }
SSD_EXPORT TH ssd_softmax(TH x, int64_t dim) { SSD_TENSOR(at::softmax(*x, dim)) }
SSD_EXPORT TH ssd_log_softmax(TH x, int64_t dim) { SSD_TENSOR(at::log_softmax(*x, dim)) }
SSD_EXPORT TH ssd_dropout(TH x, double p, int train) { SSD_TENSOR(at::dropout(*x, p, train != 0)) }
SSD_EXPORT TH ssd_adaptive_avg_pool2d(TH x, int64_t oh, int64_t ow) { SSD_TENSOR(at::adaptive_avg_pool2d(*x, {oh, ow})) }

// reduction: 0 none, 1 mean, 2 sum (at::Reduction)
SSD_EXPORT TH ssd_cross_entropy(TH x, TH target, TH weight, int reduction, int64_t ignore_index) {
  SSD_TENSOR(at::cross_entropy_loss(*x, *target, ssd::opt(weight), reduction, ignore_index, 0.0))
}
SSD_EXPORT TH ssd_smooth_l1(TH x, TH target, int reduction, double beta) {
  SSD_TENSOR(at::smooth_l1_loss(*x, *target, reduction, beta))
}
SSD_EXPORT TH ssd_mse(TH x, TH target, int reduction) { SSD_TENSOR(at::mse_loss(*x, *target, reduction)) }
