#include "ort/weight_store.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/content_hash.h"
#include "core/errors.h"

namespace dofa {

WeightStore::WeightStore(std::shared_ptr<OrtRuntime> runtime) : runtime_(std::move(runtime)) {
  const OrtApi& api = runtime_->api();
  runtime_->Check(api.CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &cpu_), codes::kModelLoad, "CreateCpuMemoryInfo");
  OrtStatus* status = api.CreatePrepackedWeightsContainer(&prepacked_);
  if (status != nullptr) api.ReleaseMemoryInfo(cpu_);
  runtime_->Check(status, codes::kModelLoad, "CreatePrepackedWeightsContainer");
}

WeightStore::~WeightStore() {
  const OrtApi& api = runtime_->api();
  for (Weight& weight : weights_) {
    api.ReleaseValue(weight.value);
    std::free(weight.data);
  }
  api.ReleasePrepackedWeightsContainer(prepacked_);
  api.ReleaseMemoryInfo(cpu_);
}

const OrtValue* WeightStore::Share(const OnnxInitializer& initializer, const uint8_t* bytes, bool* reused) {
  const uint64_t hash = ContentHash(bytes, initializer.rawBytes);
  const auto range = byHash_.equal_range(hash);
  for (auto it = range.first; it != range.second; ++it) {
    const Weight& weight = weights_[it->second];
    if (weight.bytes == initializer.rawBytes && weight.dataType == initializer.dataType && weight.dims == initializer.dims &&
        std::memcmp(weight.data, bytes, weight.bytes) == 0) {
      *reused = true;
      return weight.value;
    }
  }
  const size_t capacity = (initializer.rawBytes + 63) / 64 * 64;
  void* data = std::aligned_alloc(64, capacity);
  if (data == nullptr) throw std::bad_alloc();
  std::memcpy(data, bytes, initializer.rawBytes);
  OrtValue* value = nullptr;
  const OrtApi& api = runtime_->api();
  OrtStatus* status = api.CreateTensorWithDataAsOrtValue(cpu_, data, initializer.rawBytes, initializer.dims.data(), initializer.dims.size(),
                                                         static_cast<ONNXTensorElementDataType>(initializer.dataType), &value);
  if (status != nullptr) std::free(data);
  runtime_->Check(status, codes::kModelLoad, "initializer '" + initializer.name + "': CreateTensorWithDataAsOrtValue");
  try {
    weights_.push_back({initializer.dataType, initializer.dims, initializer.rawBytes, data, value});
  } catch (...) {
    api.ReleaseValue(value);
    std::free(data);
    throw;
  }
  byHash_.emplace(hash, weights_.size() - 1);  // (should this throw, the weight is held and released all the same)
  *reused = false;
  return value;
}

}  // namespace dofa
