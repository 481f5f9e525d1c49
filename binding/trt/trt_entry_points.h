// The free functions this addon calls in TensorRT's libraries; everything else is a virtual method on the
// objects they return. They are kept in this one place so that loading libnvinfer and libnvonnxparser at run time
// (dlopen) can replace these bodies with one table of resolved entry points without touching another file.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <cstdint>

namespace dofa {
namespace trt {

inline nvinfer1::IRuntime* CreateRuntime(nvinfer1::ILogger& logger) { return nvinfer1::createInferRuntime(logger); }

inline nvinfer1::IBuilder* CreateBuilder(nvinfer1::ILogger& logger) { return nvinfer1::createInferBuilder(logger); }

inline nvonnxparser::IParser* CreateOnnxParser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger) {
  return nvonnxparser::createParser(network, logger);
}

// getInferLibVersion(): the loaded library, in NV_TENSORRT_VERSION's encoding.
inline int64_t LibraryEncoded() { return static_cast<int64_t>(getInferLibVersion()); }

}  // namespace trt
}  // namespace dofa
