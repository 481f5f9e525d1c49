// The free functions this addon calls in TensorRT's libraries, through the table of entry points loaded at run
// time (trt/trt_library.h): the same calls the headers' inline createInferBuilder / createInferRuntime /
// createParser make, with the headers' version so the library checks it was compiled against a compatible API.
// Everything else is a virtual method on the objects these return. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include "trt/trt_library.h"
#include "trt/trt_logger.h"

namespace dofa {
namespace trt {

inline nvinfer1::IRuntime* CreateRuntime() {
  return static_cast<nvinfer1::IRuntime*>(TensorRt().createInferRuntime(&ProcessLogger(), NV_TENSORRT_VERSION));
}

inline nvinfer1::IBuilder* CreateBuilder() {
  return static_cast<nvinfer1::IBuilder*>(TensorRt().createInferBuilder(&ProcessLogger(), NV_TENSORRT_VERSION));
}

// Call RequireOnnxParser() first (BuildTrtEngine does, before anything else): createOnnxParser is null without it.
inline nvonnxparser::IParser* CreateOnnxParser(nvinfer1::INetworkDefinition& network) {
  return static_cast<nvonnxparser::IParser*>(
      TensorRt().createOnnxParser(&network, &ProcessLogger(), NV_ONNX_PARSER_VERSION));
}

}  // namespace trt
}  // namespace dofa
