// Shared TensorRT helpers: the logger, version strings, accelerator names for messages, and the macros that keep deprecation warnings of APIs
// that are still the right call on an older TensorRT (8.5 on Xavier NX) from failing a -Werror build.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>
#include <NvInferVersion.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#if NV_TENSORRT_MAJOR < 8 || (NV_TENSORRT_MAJOR == 8 && NV_TENSORRT_MINOR < 5)
#error "dynamic-ofa needs TensorRT >= 8.5 (name-based I/O and enqueueV3)"
#endif

#define DOFA_IGNORE_DEPRECATED_BEGIN \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wdeprecated-declarations\"")
#define DOFA_IGNORE_DEPRECATED_END _Pragma("GCC diagnostic pop")

namespace dofa {
namespace trt {

// Every TensorRT object is released with delete (TensorRT >= 8.0; destroy() is gone in 10).
template <typename T>
using Ptr = std::unique_ptr<T>;

// Collects errors for the exception message and forwards the rest to an optional sink (build progress).
class Logger final : public nvinfer1::ILogger {
 public:
  using Sink = std::function<void(Severity, const std::string&)>;
  explicit Logger(Severity threshold = Severity::kWARNING) : threshold_(threshold) {}
  void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
    try {
      std::lock_guard<std::mutex> lock(mutex_);
      if (severity <= Severity::kERROR) {
        if (!errors_.empty()) errors_ += "; ";
        errors_ += message;
      }
      if (severity <= threshold_ && sink_) sink_(severity, message);
    } catch (...) {
      // a logger must not throw into TensorRT
    }
  }
  void SetSink(Sink sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    sink_ = std::move(sink);
  }
  // The errors logged since the last call (cleared).
  std::string TakeErrors() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string errors;
    errors.swap(errors_);
    return errors;
  }

 private:
  std::mutex mutex_;
  Severity threshold_;
  Sink sink_;
  std::string errors_;
};

// "8.5.2.2": the headers this addon was compiled against.
inline std::string CompiledVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH) + "." + std::to_string(NV_TENSORRT_BUILD);
}

// The compile-time NV_TENSORRT_VERSION encoding (8.x: MAJ*1000+MIN*100+PATCH; 10+: MAJ*10000+MIN*100+PATCH).
inline int64_t CompiledEncoded() { return static_cast<int64_t>(NV_TENSORRT_VERSION); }

// "8.5.2" / "10.3.0" from either encoding.
inline std::string DecodeVersion(int64_t encoded) {
  const bool wide = encoded >= 100000;  // 10.0.0 -> 100000
  const int64_t major = wide ? encoded / 10000 : encoded / 1000;
  const int64_t rest = wide ? encoded % 10000 : encoded % 1000;
  return std::to_string(major) + "." + std::to_string(rest / 100) + "." + std::to_string(rest % 100);
}

// "the GPU" or "DLA core 1", for messages (device names are lib/'s).
inline std::string AcceleratorName(int dlaCore) { return dlaCore < 0 ? "the GPU" : "DLA core " + std::to_string(dlaCore); }

}  // namespace trt
}  // namespace dofa
