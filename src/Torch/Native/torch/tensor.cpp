// Tensor lifetime, creation, data transfer, metadata and autograd.
#include "bridge.h"
#include <cstring>

SSD_EXPORT void ssd_free(TH t) { delete t; }

SSD_EXPORT TH ssd_empty(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  SSD_TENSOR(at::empty(ssd::dims(shape, ndim), ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_zeros(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  SSD_TENSOR(at::zeros(ssd::dims(shape, ndim), ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_ones(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  SSD_TENSOR(at::ones(ssd::dims(shape, ndim), ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_full(const int64_t* shape, int ndim, double value, int dtype, int dev, int idx) {
  SSD_TENSOR(at::full(ssd::dims(shape, ndim), value, ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_arange(double start, double end, double step, int dtype, int dev, int idx) {
  SSD_TENSOR(at::arange(start, end, step, ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_rand(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  SSD_TENSOR(at::rand(ssd::dims(shape, ndim), ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_randn(const int64_t* shape, int ndim, int dtype, int dev, int idx) {
  SSD_TENSOR(at::randn(ssd::dims(shape, ndim), ssd::options(dtype, dev, idx)))
}
SSD_EXPORT TH ssd_randperm(int64_t n, int dev, int idx) {
  SSD_TENSOR(at::randperm(n, ssd::options(static_cast<int>(at::kLong), dev, idx)))
}

// Copies host memory into a new CPU tensor of the given shape.
SSD_EXPORT TH ssd_from_data(const void* data, const int64_t* shape, int ndim, int dtype) {
  SSD_TENSOR(at::from_blob(const_cast<void*>(data), ssd::dims(shape, ndim),
                           at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)))
                 .clone())
}

// Copies the tensor's elements (any device, any layout) into host memory of `bytes` bytes.
SSD_EXPORT int ssd_copy_to_host(TH t, void* dst, int64_t bytes) {
  SSD_STATUS({
    auto c = t->detach().to(at::kCPU).contiguous();
    int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
    if (need != bytes) throw std::runtime_error("copy_to_host: buffer has " + std::to_string(bytes) +
                                                " bytes, tensor needs " + std::to_string(need));
    if (need > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(need));
  })
}

// Overwrites the tensor's elements from host memory (the tensor keeps its device and dtype).
SSD_EXPORT int ssd_copy_from_host(TH t, const void* src, int64_t bytes) {
  SSD_STATUS({
    int64_t need = t->numel() * static_cast<int64_t>(t->element_size());
    if (need != bytes) throw std::runtime_error("copy_from_host: buffer has " + std::to_string(bytes) +
                                                " bytes, tensor needs " + std::to_string(need));
    auto src_t = at::from_blob(const_cast<void*>(src), t->sizes(), at::TensorOptions().dtype(t->scalar_type()));
    at::NoGradGuard guard;
    t->copy_(src_t);
  })
}

// Pointer to the elements of a contiguous CPU tensor, for zero-copy reads; null otherwise.
SSD_EXPORT void* ssd_data_ptr(TH t) {
  if (!t->defined() || !t->is_cpu() || !t->is_contiguous()) return nullptr;
  return t->data_ptr();
}

SSD_EXPORT int ssd_dim(TH t) { return static_cast<int>(t->dim()); }
SSD_EXPORT int64_t ssd_numel(TH t) { return t->numel(); }
SSD_EXPORT int ssd_dtype(TH t) { return static_cast<int>(t->scalar_type()); }
SSD_EXPORT int ssd_device_type(TH t) { return static_cast<int>(t->device().type()); }
SSD_EXPORT int ssd_device_index(TH t) { return t->device().index(); }
SSD_EXPORT int ssd_is_contiguous(TH t) { return t->is_contiguous() ? 1 : 0; }
SSD_EXPORT int ssd_defined(TH t) { return t->defined() ? 1 : 0; }
SSD_EXPORT void ssd_shape(TH t, int64_t* out) {
  for (int64_t i = 0; i < t->dim(); ++i) out[i] = t->size(i);
}
SSD_EXPORT int ssd_item(TH t, double* out) { SSD_STATUS(*out = t->item<double>()) }

SSD_EXPORT TH ssd_to(TH t, int dtype, int dev, int idx, int copy) {
  SSD_TENSOR(t->to(ssd::device(dev, idx), static_cast<at::ScalarType>(dtype), false, copy != 0))
}
SSD_EXPORT TH ssd_clone(TH t) { SSD_TENSOR(t->clone()) }
SSD_EXPORT TH ssd_contiguous(TH t) { SSD_TENSOR(t->contiguous()) }
// format: 0 contiguous (NCHW), 1 channels last (NHWC strides), as the managed MemoryFormat enum numbers them.
SSD_EXPORT TH ssd_contiguous_format(TH t, int format) {
  SSD_TENSOR(t->contiguous(format == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous))
}
SSD_EXPORT int ssd_is_contiguous_format(TH t, int format) {
  return t->is_contiguous(format == 1 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous) ? 1 : 0;
}
SSD_EXPORT TH ssd_alias(TH t) { SSD_TENSOR(*t) }

// Autograd
SSD_EXPORT int ssd_requires_grad(TH t) { return t->requires_grad() ? 1 : 0; }
SSD_EXPORT int ssd_set_requires_grad(TH t, int value) { SSD_STATUS(t->requires_grad_(value != 0)) }
SSD_EXPORT TH ssd_detach(TH t) { SSD_TENSOR(t->detach()) }
SSD_EXPORT int ssd_backward(TH t, TH gradient, int retain_graph) {
  SSD_STATUS(t->backward(ssd::or_undefined(gradient), retain_graph != 0))
}
// The gradient, or null (no error) when there is none yet.
SSD_EXPORT TH ssd_grad(TH t) {
  try {
    const auto& g = t->grad();
    if (!g.defined()) return nullptr;
    return ssd::wrap(g);
  } catch (const std::exception& e) {
    ssd::set_error(e);
  }
  return nullptr;
}
SSD_EXPORT int ssd_zero_grad(TH t) { SSD_STATUS(t->mutable_grad().reset()) }
SSD_EXPORT int ssd_set_grad(TH t, TH g) { SSD_STATUS(t->mutable_grad() = ssd::or_undefined(g)) }

// In-place initialisation
SSD_EXPORT int ssd_normal_(TH t, double mean, double std) { SSD_STATUS({ at::NoGradGuard g; t->normal_(mean, std); }) }
SSD_EXPORT int ssd_uniform_(TH t, double lo, double hi) { SSD_STATUS({ at::NoGradGuard g; t->uniform_(lo, hi); }) }
SSD_EXPORT int ssd_fill_(TH t, double v) { SSD_STATUS({ at::NoGradGuard g; t->fill_(v); }) }
SSD_EXPORT int ssd_zero_(TH t) { SSD_STATUS({ at::NoGradGuard g; t->zero_(); }) }
SSD_EXPORT int ssd_copy_(TH dst, TH src) { SSD_STATUS({ at::NoGradGuard g; dst->copy_(*src); }) }
namespace {
torch::nn::init::FanModeType fan_mode(int fan_out) {
  if (fan_out) return torch::kFanOut;
  return torch::kFanIn;
}
torch::nn::init::NonlinearityType nonlinearity(int relu) {
  if (relu) return torch::kReLU;
  return torch::kLeakyReLU;
}
}  // namespace
SSD_EXPORT int ssd_kaiming_normal_(TH t, double a, int fan_out, int relu) {
  SSD_STATUS(torch::nn::init::kaiming_normal_(*t, a, fan_mode(fan_out), nonlinearity(relu)))
}
SSD_EXPORT int ssd_kaiming_uniform_(TH t, double a, int fan_out, int relu) {
  SSD_STATUS(torch::nn::init::kaiming_uniform_(*t, a, fan_mode(fan_out), nonlinearity(relu)))
}
SSD_EXPORT int ssd_xavier_normal_(TH t, double gain) { SSD_STATUS(torch::nn::init::xavier_normal_(*t, gain)) }
SSD_EXPORT int ssd_xavier_uniform_(TH t, double gain) { SSD_STATUS(torch::nn::init::xavier_uniform_(*t, gain)) }

SSD_EXPORT const char* ssd_to_string(TH t) {
  thread_local std::string s;
  try {
    std::ostringstream os;
    os << *t;
    s = os.str();
  } catch (const std::exception& e) {
    s = e.what();
  }
  return s.c_str();
}
