// IHostMemory: bytes TensorRT hands out (plans, timing caches), owned by the object and freed with it.
#pragma once

#include <cstdint>
#include <vector>

#include "aborting_interfaces.h"

namespace dofa_standin {

class StandinHostMemory final : public nvinfer1::IHostMemory, public nvinfer1::apiv::AbortingVHostMemory {
 public:
  explicit StandinHostMemory(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) { mImpl = this; }

  void* data() const noexcept override { return const_cast<uint8_t*>(bytes_.data()); }
  std::size_t size() const noexcept override { return bytes_.size(); }
  nvinfer1::DataType type() const noexcept override { return nvinfer1::DataType::kUINT8; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace dofa_standin
