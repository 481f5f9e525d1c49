// ONNX Runtime CPU backend: one session per sub-network in the process-wide env, I/O bound once over the
// model's shared buffers (64-byte aligned host memory).
#pragma once

#include <memory>

#include "core/backend.h"

namespace dofa {

std::unique_ptr<Backend> CreateOrtBackend(const BackendOptions& options);

}  // namespace dofa
