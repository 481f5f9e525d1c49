// TensorRT, its ONNX parser and the CUDA runtime, loaded with dlopen on first need (a TensorRT device asked for,
// tensorrtProbe / tensorrtInfo / buildEngine called) and kept for the life of the process. The addon links none of
// them: the free functions TensorRT's headers call (the *_INTERNAL factories) and every CUDA runtime call go
// through the tables below; everything else in TensorRT is a virtual method. Compiled only with
// DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include "trt/cuda_api.h"
#include "trt/runtime_loader.h"

namespace dofa {
namespace trt {

// TensorRT's C entry points (the headers' inline createInferBuilder / createInferRuntime / createParser call them).
struct TensorRtApi {
  decltype(&createInferBuilder_INTERNAL) createInferBuilder = nullptr;
  decltype(&createInferRuntime_INTERNAL) createInferRuntime = nullptr;
  decltype(&createNvOnnxParser_INTERNAL) createOnnxParser = nullptr;  // libnvonnxparser; null without it
};

// What loading found (loads on the first call; never throws).
const RuntimeState& TensorRtRuntime();
// The tables; each throws E_BACKEND_UNAVAILABLE with the loader's reason (the missing or refused library and
// what to install) unless TensorRT and the CUDA runtime are usable.
const TensorRtApi& TensorRt();
const CudaApi& Cuda();
// Throws E_BACKEND_UNAVAILABLE unless the ONNX parser is usable too (building engines needs it).
void RequireOnnxParser();
// E_BACKEND_UNAVAILABLE for a DLA core this GPU does not have (`cores` it has), saying why where TensorRT itself has
// no DLA support. One message for the session and the builder.
[[noreturn]] void ThrowMissingDlaCore(int dlaCore, int cores);

// The headers this addon was compiled against.
Version TensorRtHeadersVersion();
std::string CompiledVersionText();  // "8.5.2.2"

}  // namespace trt
}  // namespace dofa
