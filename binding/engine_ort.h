// ONNX Runtime engine: one session per sub-network, I/O bound once over the family's shared buffers.
#pragma once

#include <memory>
#include <string>

#include "engine.h"
#include "ort_runtime.h"

namespace dofa {

std::unique_ptr<Engine> LoadOrtEngine(std::shared_ptr<OrtRuntime> runtime, const std::string& modelPath);

}  // namespace dofa
