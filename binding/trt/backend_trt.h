// TensorRT backend (the GPU or one DLA core): one deserialized engine and one execution context per
// sub-network, all sharing one CUDA stream and one block of activation memory, and bound once (setTensorAddress)
// to the model's shared buffers (trt/trt_session.h, trt/trt_engine.h). Model files are engine files:
// lib/engines/engine-file.ts has written and checked their header, and the plan is read from the offset it gives.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <memory>
#include <string>

#include "core/backend.h"

namespace dofa {

std::unique_ptr<Backend> CreateTrtBackend(const BackendOptions& options);

}  // namespace dofa
