// Writing an ONNX model as ONNX Runtime optimizes it for this CPU (ORT_ENABLE_ALL: fusions, NCHWc layout with
// reordered convolution weights, every initializer as raw data), so that a later load can skip the optimization and
// share weights across sub-networks (ort/weight_store.h). The file is specific to the ONNX Runtime build and the CPU's
// features: lib/engines/optimized-onnx.ts keys its cache by them.
#pragma once

#include <cstdint>
#include <string>

namespace dofa {

struct OptimizedModel {
  uint64_t bytes = 0;
  std::string contentHash;  // ContentHashHex of the file written (core/content_hash.h)
};

// Loads `onnxPath` with ONNX Runtime (the library at `ortLibrary`, `threads` as for a load) and writes the optimized
// model to `outputPath`. E_MODEL_LOAD when ONNX Runtime refuses the model or the file cannot be written or read back.
OptimizedModel WriteOptimizedModel(const std::string& ortLibrary, int threads, const std::string& onnxPath, const std::string& outputPath);

}  // namespace dofa
