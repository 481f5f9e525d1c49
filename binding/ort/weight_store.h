// One family's weights, each distinct one held once: the initializers of its pre-optimized models, identified by
// content (type, dims, bytes: hashed, then compared), in 64-byte-aligned buffers wrapped as OrtValues that every
// session of the family is handed with AddInitializer, plus the family's one container for pre-packed weights.
// It must outlive every session that uses it: each engine holds it and releases it after its session.
// docs/memory.md explains why and what it saves.
#pragma once

#include <onnxruntime_c_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ort/onnx_initializers.h"
#include "ort/ort_runtime.h"

namespace dofa {

class WeightStore {
 public:
  explicit WeightStore(std::shared_ptr<OrtRuntime> runtime);
  ~WeightStore();
  WeightStore(const WeightStore&) = delete;
  WeightStore& operator=(const WeightStore&) = delete;

  // The store's tensor with the initializer's content (`bytes`: its raw data), made on first sight. `*reused` says
  // whether an earlier model already had it. Not thread-safe: one family loads on one thread.
  const OrtValue* Share(const OnnxInitializer& initializer, const uint8_t* bytes, bool* reused);
  OrtPrepackedWeightsContainer* prepackedWeights() const { return prepacked_; }

 private:
  struct Weight {
    int32_t dataType;
    std::vector<int64_t> dims;
    size_t bytes;
    void* data;  // 64-byte aligned, owned
    OrtValue* value;
  };

  std::shared_ptr<OrtRuntime> runtime_;  // released last: the values and the container belong to its library
  OrtMemoryInfo* cpu_ = nullptr;
  OrtPrepackedWeightsContainer* prepacked_ = nullptr;
  std::vector<Weight> weights_;
  std::unordered_multimap<uint64_t, size_t> byHash_;  // content hash -> index in weights_
};

}  // namespace dofa
