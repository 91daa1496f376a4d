// The C ABI of the libtorch bridge. Every export catches every C++ exception and stores its message in a
// thread-local slot that the managed side reads; nothing throws across the ABI.
#pragma once
#include <torch/torch.h>
#include <string>

#define SSD_EXPORT extern "C" __attribute__((visibility("default")))

using TH = at::Tensor*;

namespace ssd {
void set_error(const char* message);
// libtorch's message without its C++ backtrace.
void set_error(const std::exception& e);

inline TH wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

inline at::IntArrayRef dims(const int64_t* values, int n) { return at::IntArrayRef(values, static_cast<size_t>(n)); }

// A null handle stands for an absent optional tensor.
inline c10::optional<at::Tensor> opt(TH t) {
  return t ? c10::optional<at::Tensor>(*t) : c10::nullopt;
}
inline at::Tensor or_undefined(TH t) { return t ? *t : at::Tensor(); }

// A Python-like scalar: integral tensors take the value as an integer, so in-place ops keep their dtype.
inline at::Scalar scalar_for(const at::Tensor& t, double v) {
  if (at::isFloatingType(t.scalar_type())) return at::Scalar(v);
  return at::Scalar(static_cast<int64_t>(v));
}

inline at::Device device(int type, int index) {
  return at::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}
inline at::TensorOptions options(int dtype, int device_type, int device_index) {
  return at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)).device(device(device_type, device_index));
}
}  // namespace ssd

// Returns a new tensor handle, or null with the error stored.
#define SSD_TENSOR(body)                         \
  try {                                          \
    return ssd::wrap(body);                      \
  } catch (const std::exception& e) {            \
    ssd::set_error(e);                           \
  } catch (...) {                                \
    ssd::set_error("unknown C++ exception");     \
  }                                              \
  return nullptr;

// Runs statements; returns 0, or -1 with the error stored.
#define SSD_STATUS(body)                         \
  try {                                          \
    body;                                        \
    return 0;                                    \
  } catch (const std::exception& e) {            \
    ssd::set_error(e);                           \
  } catch (...) {                                \
    ssd::set_error("unknown C++ exception");     \
  }                                              \
  return -1;
