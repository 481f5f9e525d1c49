// TensorRT backend (devices gpu, dla0, dla1): one deserialized engine and one execution context per
// sub-network, all sharing one CUDA stream and bound once (setTensorAddress) to the family's shared buffers.
// Model paths are engine files written by the builder (trt_engine_file.h), checked before deserializing.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <memory>
#include <string>

#include "core/backend.h"

namespace dofa {

bool IsTrtDevice(const std::string& device);
std::unique_ptr<Backend> CreateTrtBackend(const BackendOptions& options);

}  // namespace dofa
