#include "tensorrt/builder_config.h"

#include "tensorrt/layer_catalog.h"
#include "tensorrt/network.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {

nvinfer1::DeviceType StandinBuilderConfig::getDeviceType(nvinfer1::ILayer const* layer) const noexcept {
  const auto found = deviceTypes_.find(layer);
  return found != deviceTypes_.end() ? found->second : defaultDevice_;
}

bool StandinBuilderConfig::canRunOnDLA(nvinfer1::ILayer const* layer) const noexcept {
  const auto* own = dynamic_cast<const StandinLayer*>(layer);
  if (own == nullptr) return false;
  const OnnxModel& model = own->network().model();
  std::string why;
  return own->node() < model.nodes.size() && DlaCanRun(model.nodes[own->node()], model, &why);
}

int32_t StandinBuilderConfig::addOptimizationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept {
  const auto* own = dynamic_cast<const StandinOptimizationProfile*>(profile);
  if (own == nullptr || !own->isValid()) {
    LogError("4: [builderConfig.cpp::addOptimizationProfile] Error Code 4: API Usage Error (the optimization profile is not "
             "valid: every input it names needs kMIN <= kOPT <= kMAX dims of one rank)");
    return -1;
  }
  profiles_.push_back(own->ranges());
  return static_cast<int32_t>(profiles_.size()) - 1;
}

bool StandinBuilderConfig::setCalibrationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept {
  const auto* own = dynamic_cast<const StandinOptimizationProfile*>(profile);
  if (own == nullptr || !own->isValid()) {
    LogError("4: [builderConfig.cpp::setCalibrationProfile] Error Code 4: API Usage Error (the calibration profile is not valid)");
    return false;
  }
  calibrationProfileSource_ = profile;
  calibrationProfile_ = own->ranges();
  hasCalibrationProfile_ = true;
  return true;
}

std::size_t StandinBuilderConfig::getMemoryPoolLimit(nvinfer1::MemoryPoolType pool) const noexcept {
  const auto found = pools_.find(static_cast<int>(pool));
  if (found != pools_.end()) return found->second;
  switch (pool) {
    case nvinfer1::MemoryPoolType::kDLA_MANAGED_SRAM: return std::size_t{1} << 20;
    case nvinfer1::MemoryPoolType::kDLA_LOCAL_DRAM: return std::size_t{1} << 30;
    case nvinfer1::MemoryPoolType::kDLA_GLOBAL_DRAM: return std::size_t{512} << 20;
    default: return std::size_t{8} << 30;  // the workspace defaults to the device's memory
  }
}

nvinfer1::ITimingCache* StandinBuilderConfig::createTimingCache(void const* blob, std::size_t size) const noexcept {
  if (InjectedFault("createTimingCache")) return nullptr;
  return StandinTimingCache::Create(blob, size);
}

bool StandinBuilderConfig::setTimingCache(nvinfer1::ITimingCache const& cache, bool ignoreMismatch) noexcept {
  auto* own = const_cast<StandinTimingCache*>(dynamic_cast<const StandinTimingCache*>(&cache));
  if (own == nullptr) {
    LogError("3: [builderConfig.cpp::setTimingCache] Error Code 3: API Usage Error (the cache was not created by this TensorRT)");
    return false;
  }
  DeviceSignature here;
  std::string error;
  if (!CurrentDevice(&here, &error)) {
    LogError("1: [builderConfig.cpp::setTimingCache] Error Code 1: Cuda Runtime (" + error + ")");
    return false;
  }
  if (own->device() != here) {
    const std::string what = "the timing cache was created on '" + own->device().name + "' (compute " + own->device().ComputeText() +
                             "), this device is '" + here.name + "' (compute " + here.ComputeText() + ")";
    if (!ignoreMismatch) {
      LogError("3: [builderConfig.cpp::setTimingCache] Error Code 3: API Usage Error (" + what + ")");
      return false;
    }
    LogWarning(what + "; used anyway (ignoreMismatch)");
  }
  timingCache_ = own;
  return true;
}

}  // namespace dofa_standin
