// The C ABI of the OpenCV image bridge: decode, encode, resize, colour conversion, drawing. Pixels cross
// the ABI as interleaved HWC buffers owned by the managed side; only a decoded image lives here, in an
// opaque handle, until the caller copies it out. Every export catches every C++ exception and stores its
// message in a thread-local slot read through ssdimg_last_error(); nothing throws across the ABI.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define SSDIMG_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
thread_local std::string last_error;

void set_error(const char* message) { last_error = message ? message : ""; }

// depth: 0 = uint8, 5 = float32 (OpenCV's CV_8U / CV_32F numbering).
int mat_type(int depth, int channels) { return CV_MAKETYPE(depth, channels); }

cv::Mat wrap(void* data, int width, int height, int depth, int channels, int64_t step = 0) {
  return cv::Mat(height, width, mat_type(depth, channels), data,
                 step > 0 ? static_cast<size_t>(step) : cv::Mat::AUTO_STEP);
}

cv::Scalar colour(const double* c) { return cv::Scalar(c[0], c[1], c[2], c[3]); }

std::vector<int> quality_params(int quality) {
  if (quality <= 0) return {};
  return {cv::IMWRITE_JPEG_QUALITY, quality};
}

cv::Mat to_bgr(const uint8_t* rgb, int width, int height) {
  cv::Mat bgr;
  cv::cvtColor(wrap(const_cast<uint8_t*>(rgb), width, height, CV_8U, 3), bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

void* finish_decode(cv::Mat&& bgr, int* width, int* height) {
  if (bgr.empty()) return nullptr;
  *width = bgr.cols;
  *height = bgr.rows;
  return new cv::Mat(std::move(bgr));
}
}  // namespace

#define SSDIMG_STATUS(...)                       \
  try {                                          \
    __VA_ARGS__;                                 \
    return 0;                                    \
  } catch (const std::exception& e) {            \
    set_error(e.what());                         \
  } catch (...) {                                \
    set_error("unknown C++ exception");          \
  }                                              \
  return -1;

#define SSDIMG_POINTER(...)                      \
  try {                                          \
    __VA_ARGS__;                                 \
  } catch (const std::exception& e) {            \
    set_error(e.what());                         \
  } catch (...) {                                \
    set_error("unknown C++ exception");          \
  }                                              \
  return nullptr;

SSDIMG_EXPORT const char* ssdimg_last_error() { return last_error.c_str(); }

SSDIMG_EXPORT void ssdimg_clear_error() { last_error.clear(); }

SSDIMG_EXPORT const char* ssdimg_version() { return CV_VERSION; }

SSDIMG_EXPORT int ssdimg_set_num_threads(int n) { SSDIMG_STATUS(cv::setNumThreads(n)) }

SSDIMG_EXPORT int ssdimg_get_num_threads() { return cv::getNumThreads(); }

// Decoding returns an opaque handle to the decoded BGR image (null when OpenCV decoded nothing), its size
// in width/height; ssdimg_copy_rgb copies it out as RGB, ssdimg_release frees it.
SSDIMG_EXPORT void* ssdimg_read(const char* path, int flags, int* width, int* height) {
  SSDIMG_POINTER({
    cv::Mat m = cv::imread(path, flags);
    if (m.empty()) set_error("cv::imread returned no image");
    return finish_decode(std::move(m), width, height);
  })
}

SSDIMG_EXPORT void* ssdimg_decode(const uint8_t* data, int64_t length, int flags, int* width, int* height) {
  SSDIMG_POINTER({
    cv::Mat buffer(1, static_cast<int>(length), CV_8U, const_cast<uint8_t*>(data));
    cv::Mat m = cv::imdecode(buffer, flags);
    if (m.empty()) set_error("cv::imdecode returned no image");
    return finish_decode(std::move(m), width, height);
  })
}

SSDIMG_EXPORT int ssdimg_copy_rgb(const void* handle, uint8_t* dst) {
  SSDIMG_STATUS({
    const auto& m = *static_cast<const cv::Mat*>(handle);
    cv::Mat out = wrap(dst, m.cols, m.rows, CV_8U, 3);
    cv::cvtColor(m, out, cv::COLOR_BGR2RGB);
    if (out.data != dst) throw std::runtime_error("decoded image is not 8-bit 3-channel");
  })
}

SSDIMG_EXPORT void ssdimg_release(void* handle) { delete static_cast<cv::Mat*>(handle); }

SSDIMG_EXPORT int ssdimg_have_reader(const char* path) {
  try {
    return cv::haveImageReader(path) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

// Writes an RGB image; the format follows the path's extension, quality applies to JPEG (<= 0: default).
SSDIMG_EXPORT int ssdimg_write(const char* path, const uint8_t* rgb, int width, int height, int quality) {
  SSDIMG_STATUS({
    if (!cv::imwrite(path, to_bgr(rgb, width, height), quality_params(quality)))
      throw std::runtime_error("cv::imwrite could not write the file");
  })
}

// Encodes to memory (ext like ".jpg"); the returned buffer is freed with ssdimg_free.
SSDIMG_EXPORT uint8_t* ssdimg_encode(const char* ext, const uint8_t* rgb, int width, int height, int quality,
                                     int64_t* length) {
  SSDIMG_POINTER({
    std::vector<uint8_t> bytes;
    if (!cv::imencode(ext, to_bgr(rgb, width, height), bytes, quality_params(quality)))
      throw std::runtime_error("cv::imencode could not encode the image");
    auto* out = static_cast<uint8_t*>(std::malloc(bytes.size() ? bytes.size() : 1));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, bytes.data(), bytes.size());
    *length = static_cast<int64_t>(bytes.size());
    return out;
  })
}

SSDIMG_EXPORT void ssdimg_free(void* buffer) { std::free(buffer); }

// cv::resize between two caller-owned buffers; steps in bytes (0: packed rows) let src be a region.
SSDIMG_EXPORT int ssdimg_resize(const void* src, int src_width, int src_height, int64_t src_step, void* dst,
                                int dst_width, int dst_height, int64_t dst_step, int depth, int channels,
                                int interpolation) {
  SSDIMG_STATUS({
    cv::Mat in = wrap(const_cast<void*>(src), src_width, src_height, depth, channels, src_step);
    cv::Mat out = wrap(dst, dst_width, dst_height, depth, channels, dst_step);
    cv::resize(in, out, out.size(), 0, 0, interpolation);
    if (out.data != dst) throw std::runtime_error("resize reallocated its destination");
  })
}

// cv::cvtColor between 3-channel buffers of the same size and depth (src may equal dst).
SSDIMG_EXPORT int ssdimg_cvt_color(const void* src, void* dst, int width, int height, int depth, int code) {
  SSDIMG_STATUS({
    cv::Mat in = wrap(const_cast<void*>(src), width, height, depth, 3);
    cv::Mat out = wrap(dst, width, height, depth, 3);
    cv::cvtColor(in, out, code);
    if (out.data != dst) throw std::runtime_error("colour conversion changed the channel count");
  })
}

// Drawing, in place on an 8-bit image of 1 or 3 channels; colour holds 4 doubles in channel order;
// thickness < 0 fills; line_type is cv::LineTypes (8 or 16 = anti-aliased).
SSDIMG_EXPORT int ssdimg_line(uint8_t* img, int width, int height, int channels, int x1, int y1, int x2, int y2,
                              const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    cv::line(m, {x1, y1}, {x2, y2}, colour(c), thickness, line_type);
  })
}

SSDIMG_EXPORT int ssdimg_rectangle(uint8_t* img, int width, int height, int channels, int x1, int y1, int x2,
                                   int y2, const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    cv::rectangle(m, cv::Point(x1, y1), cv::Point(x2, y2), colour(c), thickness, line_type);
  })
}

SSDIMG_EXPORT int ssdimg_circle(uint8_t* img, int width, int height, int channels, int cx, int cy, int radius,
                                const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    cv::circle(m, {cx, cy}, radius, colour(c), thickness, line_type);
  })
}

SSDIMG_EXPORT int ssdimg_ellipse(uint8_t* img, int width, int height, int channels, int cx, int cy, int axis_x,
                                 int axis_y, double angle, const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    cv::ellipse(m, {cx, cy}, {axis_x, axis_y}, angle, 0, 360, colour(c), thickness, line_type);
  })
}

// points: n (x, y) pairs; thickness < 0 fills the polygon, otherwise draws its closed outline.
SSDIMG_EXPORT int ssdimg_polygon(uint8_t* img, int width, int height, int channels, const int* points, int n,
                                 const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    std::vector<cv::Point> pts(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) pts[static_cast<size_t>(i)] = {points[2 * i], points[2 * i + 1]};
    if (thickness < 0) {
      cv::fillPoly(m, std::vector<std::vector<cv::Point>>{pts}, colour(c), line_type);
    } else {
      cv::polylines(m, std::vector<std::vector<cv::Point>>{pts}, true, colour(c), thickness, line_type);
    }
  })
}

// (x, y) is the bottom-left corner of the text's baseline, as in cv::putText.
SSDIMG_EXPORT int ssdimg_put_text(uint8_t* img, int width, int height, int channels, const char* text, int x,
                                  int y, int font, double scale, const double* c, int thickness, int line_type) {
  SSDIMG_STATUS({
    cv::Mat m = wrap(img, width, height, CV_8U, channels);
    cv::putText(m, text, {x, y}, font, scale, colour(c), thickness, line_type);
  })
}

SSDIMG_EXPORT int ssdimg_text_size(const char* text, int font, double scale, int thickness, int* text_width,
                                   int* text_height, int* baseline) {
  SSDIMG_STATUS({
    cv::Size s = cv::getTextSize(text, font, scale, thickness, baseline);
    *text_width = s.width;
    *text_height = s.height;
  })
}
