// Views, indexing, elementwise math, reductions, sorting. One line per op: the managed side holds the logic.
#include "bridge.h"
#include <vector>

namespace {
std::vector<at::Tensor> list(TH* ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(*ts[i]);
  return v;
}
// Writes up to `capacity` handles into `out`; returns how many tensors there were, or -1.
int emit(const std::vector<at::Tensor>& parts, TH* out, int capacity) {
  int n = static_cast<int>(parts.size());
  for (int i = 0; i < n && i < capacity; ++i) out[i] = ssd::wrap(parts[static_cast<size_t>(i)]);
  return n;
}
int emit2(const std::tuple<at::Tensor, at::Tensor>& pair, TH* first, TH* second) {
  *first = ssd::wrap(std::get<0>(pair));
  *second = ssd::wrap(std::get<1>(pair));
  return 0;
}
}  // namespace

#define UNARY(name, expr) \
  SSD_EXPORT TH ssd_##name(TH a) { SSD_TENSOR(expr) }
#define BINARY(name, expr) \
  SSD_EXPORT TH ssd_##name(TH a, TH b) { SSD_TENSOR(expr) }
#define SCALAR(name, expr) \
  SSD_EXPORT TH ssd_##name(TH a, double s) { SSD_TENSOR(expr) }

// Views and shape
SSD_EXPORT TH ssd_reshape(TH a, const int64_t* s, int n) { SSD_TENSOR(a->reshape(ssd::dims(s, n))) }
SSD_EXPORT TH ssd_view(TH a, const int64_t* s, int n) { SSD_TENSOR(a->view(ssd::dims(s, n))) }
SSD_EXPORT TH ssd_expand(TH a, const int64_t* s, int n) { SSD_TENSOR(a->expand(ssd::dims(s, n))) }
SSD_EXPORT TH ssd_repeat(TH a, const int64_t* s, int n) { SSD_TENSOR(a->repeat(ssd::dims(s, n))) }
SSD_EXPORT TH ssd_permute(TH a, const int64_t* s, int n) { SSD_TENSOR(a->permute(ssd::dims(s, n))) }
SSD_EXPORT TH ssd_transpose(TH a, int64_t d0, int64_t d1) { SSD_TENSOR(a->transpose(d0, d1)) }
SSD_EXPORT TH ssd_flatten(TH a, int64_t start, int64_t end) { SSD_TENSOR(a->flatten(start, end)) }
SSD_EXPORT TH ssd_squeeze(TH a, int64_t d) { SSD_TENSOR(a->squeeze(d)) }
SSD_EXPORT TH ssd_unsqueeze(TH a, int64_t d) { SSD_TENSOR(a->unsqueeze(d)) }
SSD_EXPORT TH ssd_slice(TH a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  SSD_TENSOR(a->slice(dim, start, end, step))
}
SSD_EXPORT TH ssd_narrow(TH a, int64_t dim, int64_t start, int64_t length) { SSD_TENSOR(a->narrow(dim, start, length)) }
SSD_EXPORT TH ssd_select(TH a, int64_t dim, int64_t index) { SSD_TENSOR(a->select(dim, index)) }
SSD_EXPORT TH ssd_index_select(TH a, int64_t dim, TH index) { SSD_TENSOR(a->index_select(dim, *index)) }
SSD_EXPORT TH ssd_masked_select(TH a, TH mask) { SSD_TENSOR(a->masked_select(*mask)) }
SSD_EXPORT TH ssd_masked_fill(TH a, TH mask, double v) { SSD_TENSOR(a->masked_fill(*mask, v)) }
SSD_EXPORT TH ssd_gather(TH a, int64_t dim, TH index) { SSD_TENSOR(a->gather(dim, *index)) }
SSD_EXPORT TH ssd_index(TH a, TH index) { SSD_TENSOR(a->index({*index})) }
SSD_EXPORT TH ssd_index_put(TH a, TH index, TH values) { SSD_TENSOR(a->index_put({*index}, *values)) }
SSD_EXPORT TH ssd_nonzero(TH a) { SSD_TENSOR(a->nonzero()) }
SSD_EXPORT TH ssd_cat(TH* ts, int n, int64_t dim) { SSD_TENSOR(at::cat(list(ts, n), dim)) }
SSD_EXPORT TH ssd_stack(TH* ts, int n, int64_t dim) { SSD_TENSOR(at::stack(list(ts, n), dim)) }
SSD_EXPORT int ssd_chunk(TH a, int64_t chunks, int64_t dim, TH* out, int capacity) {
  try {
    return emit(a->chunk(chunks, dim), out, capacity);
  } catch (const std::exception& e) {
    ssd::set_error(e);
  }
  return -1;
}

// Elementwise arithmetic (broadcasting as in PyTorch)
SSD_EXPORT TH ssd_add(TH a, TH b, double alpha) { SSD_TENSOR(at::add(*a, *b, alpha)) }
SSD_EXPORT TH ssd_sub(TH a, TH b, double alpha) { SSD_TENSOR(at::sub(*a, *b, alpha)) }
BINARY(mul, at::mul(*a, *b))
BINARY(div, at::div(*a, *b))
BINARY(pow_tensor, at::pow(*a, *b))
BINARY(maximum, at::maximum(*a, *b))
BINARY(minimum, at::minimum(*a, *b))
BINARY(matmul, at::matmul(*a, *b))
SCALAR(add_scalar, at::add(*a, s))
SCALAR(mul_scalar, at::mul(*a, s))
SCALAR(div_scalar, at::div(*a, s))
SCALAR(pow_scalar, at::pow(*a, s))
SCALAR(rsub_scalar, at::rsub(*a, s))
UNARY(neg, at::neg(*a))
UNARY(exp, at::exp(*a))
UNARY(log, at::log(*a))
UNARY(sqrt, at::sqrt(*a))
UNARY(abs, at::abs(*a))
UNARY(sigmoid, at::sigmoid(*a))
UNARY(relu, at::relu(*a))
UNARY(floor, at::floor(*a))
UNARY(round, at::round(*a))
UNARY(logical_not, at::logical_not(*a))
BINARY(logical_and, at::logical_and(*a, *b))
BINARY(logical_or, at::logical_or(*a, *b))
SSD_EXPORT TH ssd_clamp(TH a, double lo, double hi, int has_lo, int has_hi) {
  SSD_TENSOR(at::clamp(*a, has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                       has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
SSD_EXPORT TH ssd_where(TH cond, TH a, TH b) { SSD_TENSOR(at::where(*cond, *a, *b)) }

// In place, for optimizers (callers hold no_grad)
SSD_EXPORT int ssd_add_(TH a, TH b, double alpha) { SSD_STATUS(a->add_(*b, alpha)) }
SSD_EXPORT int ssd_mul_scalar_(TH a, double s) { SSD_STATUS(a->mul_(ssd::scalar_for(*a, s))) }
SSD_EXPORT int ssd_add_scalar_(TH a, double s) { SSD_STATUS(a->add_(ssd::scalar_for(*a, s))) }

// Comparisons: op 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge
SSD_EXPORT TH ssd_compare(TH a, TH b, int op) {
  SSD_TENSOR(op == 0 ? at::eq(*a, *b) : op == 1 ? at::ne(*a, *b) : op == 2 ? at::lt(*a, *b)
           : op == 3 ? at::le(*a, *b) : op == 4 ? at::gt(*a, *b) : at::ge(*a, *b))
}
SSD_EXPORT TH ssd_compare_scalar(TH a, double s, int op) {
  SSD_TENSOR(op == 0 ? at::eq(*a, s) : op == 1 ? at::ne(*a, s) : op == 2 ? at::lt(*a, s)
           : op == 3 ? at::le(*a, s) : op == 4 ? at::gt(*a, s) : at::ge(*a, s))
}

// Reductions
UNARY(sum_all, at::sum(*a))
UNARY(mean_all, at::mean(*a))
UNARY(max_all, at::max(*a))
UNARY(min_all, at::min(*a))
SSD_EXPORT TH ssd_sum(TH a, const int64_t* d, int n, int keepdim) { SSD_TENSOR(at::sum(*a, ssd::dims(d, n), keepdim != 0)) }
SSD_EXPORT TH ssd_mean(TH a, const int64_t* d, int n, int keepdim) { SSD_TENSOR(at::mean(*a, ssd::dims(d, n), keepdim != 0)) }
SSD_EXPORT TH ssd_argmax(TH a, int64_t dim, int keepdim) { SSD_TENSOR(at::argmax(*a, dim, keepdim != 0)) }
SSD_EXPORT int ssd_max_dim(TH a, int64_t dim, int keepdim, TH* values, TH* indices) {
  SSD_STATUS(emit2(at::max(*a, dim, keepdim != 0), values, indices))
}
SSD_EXPORT int ssd_min_dim(TH a, int64_t dim, int keepdim, TH* values, TH* indices) {
  SSD_STATUS(emit2(at::min(*a, dim, keepdim != 0), values, indices))
}
SSD_EXPORT int ssd_sort(TH a, int64_t dim, int descending, int stable, TH* values, TH* indices) {
  SSD_STATUS(emit2(at::sort(*a, c10::optional<bool>(stable != 0), dim, descending != 0), values, indices))
}
SSD_EXPORT int ssd_topk(TH a, int64_t k, int64_t dim, int largest, int sorted, TH* values, TH* indices) {
  SSD_STATUS(emit2(at::topk(*a, k, dim, largest != 0, sorted != 0), values, indices))
}
