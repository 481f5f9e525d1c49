// Execution contexts that do not own their activation memory, so that every context of a model can share one
// block sized for the largest (runs are serialized on one stream; TensorRT documents the memory as in use only from
// enqueue until the network completes). TensorRT 8.x: createExecutionContextWithoutDeviceMemory + setDeviceMemory;
// 10.x and later: createExecutionContext(kUSER_MANAGED) + setDeviceMemoryV2 (the 8.x calls are deprecated in 10
// and gone in 11). Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cstdint>

#include "trt/trt_common.h"

namespace dofa {
namespace trt {

// Bytes of activation memory a context of `engine` needs.
inline int64_t ActivationBytes(const nvinfer1::ICudaEngine& engine) {
#if NV_TENSORRT_MAJOR >= 10
  return engine.getDeviceMemorySizeV2();
#else
  return static_cast<int64_t>(engine.getDeviceMemorySize());
#endif
}

inline nvinfer1::IExecutionContext* CreateContextWithoutActivations(nvinfer1::ICudaEngine& engine) {
#if NV_TENSORRT_MAJOR >= 10
  return engine.createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED);
#else
  return engine.createExecutionContextWithoutDeviceMemory();
#endif
}

inline void SetActivationMemory(nvinfer1::IExecutionContext& context, void* memory, int64_t bytes) {
#if NV_TENSORRT_MAJOR >= 10
  context.setDeviceMemoryV2(memory, bytes);
#else
  static_cast<void>(bytes);
  context.setDeviceMemory(memory);
#endif
}

}  // namespace trt
}  // namespace dofa
