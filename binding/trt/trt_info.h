// What tensorrtInfo() reports: the TensorRT library and the CUDA device it would use. Plain data, no TensorRT or
// CUDA headers, so the N-API layer can read it. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dofa {

struct CudaDeviceInfo {
  int ordinal = 0;
  std::string name;
  int major = 0;
  int minor = 0;
  int multiProcessors = 0;
  bool integrated = false;
  bool canMapHostMemory = false;
  size_t totalMemory = 0;
  int runtimeVersion = 0;    // the loaded libcudart's cudaRuntimeGetVersion
  int driverVersion = 0;     // cudaDriverGetVersion
  std::string blockingSync;  // how waiting blocks instead of spinning: "device flags" or "events only (...)"
};

struct TrtInfo {
  std::string version;          // loaded library, "8.5.2"
  int64_t encoded = 0;          // its NV_TENSORRT_VERSION encoding
  std::string build;            // which build of it (trt::TensorRtBuild): "26", or "libnvinfer of N bytes" on 8.x
  std::string compiledVersion;  // headers this addon was compiled against, "8.5.2.2"
  int64_t compiledEncoded = 0;
  std::string cudaHeaders;  // CUDA headers this addon was compiled against, "11.8"
  int dlaCores = 0;
  std::string dlaNote;   // why this TensorRT has no DLA, when it has none by release
  bool hasCuda = false;  // false: `cudaError` says why no CUDA device is usable
  CudaDeviceInfo cuda;
  std::string cudaError;
};

// Throws E_BACKEND_UNAVAILABLE (naming the missing or refused library) when TensorRT cannot be loaded. Computed
// once per process (it initializes CUDA and creates a TensorRT runtime, which is slow on the JS thread) and the
// same afterwards: the libraries stay loaded, and the device and its DLA cores do not change while it runs.
const TrtInfo& QueryTrtInfo();

}  // namespace dofa
