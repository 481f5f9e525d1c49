// Shared TensorRT helpers: object ownership, accelerator names for messages, and the macros that keep deprecation
// warnings of APIs that are still the right call on an older TensorRT (8.5 on Xavier NX) from failing a -Werror
// build. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>
#include <NvInferVersion.h>

#include <memory>
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

// "the GPU" or "DLA core 1", for messages (device names are lib/'s).
inline std::string AcceleratorName(int dlaCore) { return dlaCore < 0 ? "the GPU" : "DLA core " + std::to_string(dlaCore); }

}  // namespace trt
}  // namespace dofa
