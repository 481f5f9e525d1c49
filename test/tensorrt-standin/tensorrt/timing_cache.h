// ITimingCache, bound like TensorRT's to the device and library that made it: "DOFATCHE", format, TensorRT version
// with build, device name / compute capability / integrated, then the tactic entries (key -> tactic), and an FNV-1a
// checksum. A blob of another format or version, or a corrupt one, is refused at creation (nullptr, error logged);
// a cache of another device is created but refused by setTimingCache and combine unless ignoreMismatch.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "aborting_interfaces.h"
#include "tensorrt/device_signature.h"
#include "tensorrt/library_version.h"

namespace dofa_standin {

class StandinTimingCache final : public nvinfer1::ITimingCache, public nvinfer1::apiv::AbortingVTimingCache {
 public:
  StandinTimingCache(DeviceSignature device, TrtVersion version);

  // nullptr (and the error logged) when `blob` is not a usable cache; an empty cache for size 0.
  static StandinTimingCache* Create(void const* blob, size_t size);

  nvinfer1::IHostMemory* serialize() const noexcept override;
  bool combine(nvinfer1::ITimingCache const& inputCache, bool ignoreMismatch) noexcept override;
  bool reset() noexcept override;

  const DeviceSignature& device() const { return device_; }
  // Records a tactic choice; returns true when the key was already cached (a hit).
  bool Record(const std::string& key, const std::string& tactic);
  size_t size() const { return entries_.size(); }

 private:
  DeviceSignature device_;
  TrtVersion version_;
  std::map<std::string, std::string> entries_;
};

}  // namespace dofa_standin
