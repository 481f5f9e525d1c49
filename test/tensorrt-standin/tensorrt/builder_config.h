// IBuilderConfig: what buildSerializedNetwork reads (flags, device types and DLA core, optimization profiles, int8
// calibrator and calibration profile, profiling verbosity, timing cache, memory pools, TensorRT 10's progress
// monitor) and the timing cache factory. Calls the builder never makes abort with their name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aborting_interfaces.h"
#include "tensorrt/optimization_profile.h"
#include "tensorrt/timing_cache.h"

// IInt8Calibrator is deprecated from TensorRT 10.1; the config must still hold it (DLA int8 on 8.5 needs it).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace dofa_standin {

class StandinBuilderConfig final : public nvinfer1::IBuilderConfig, public nvinfer1::apiv::AbortingVBuilderConfig {
 public:
  StandinBuilderConfig() { mImpl = this; }

  void setFlags(nvinfer1::BuilderFlags flags) noexcept override { flags_ = flags; }
  nvinfer1::BuilderFlags getFlags() const noexcept override { return flags_; }
  void setFlag(nvinfer1::BuilderFlag flag) noexcept override { flags_ |= Bit(flag); }
  void clearFlag(nvinfer1::BuilderFlag flag) noexcept override { flags_ &= ~Bit(flag); }
  bool getFlag(nvinfer1::BuilderFlag flag) const noexcept override { return (flags_ & Bit(flag)) != 0; }

  void setDefaultDeviceType(nvinfer1::DeviceType type) noexcept override { defaultDevice_ = type; }
  nvinfer1::DeviceType getDefaultDeviceType() const noexcept override { return defaultDevice_; }
  void setDLACore(int32_t dlaCore) noexcept override { dlaCore_ = dlaCore; }
  int32_t getDLACore() const noexcept override { return dlaCore_; }
  void setDeviceType(nvinfer1::ILayer const* layer, nvinfer1::DeviceType type) noexcept override { deviceTypes_[layer] = type; }
  nvinfer1::DeviceType getDeviceType(nvinfer1::ILayer const* layer) const noexcept override;
  bool isDeviceTypeSet(nvinfer1::ILayer const* layer) const noexcept override { return deviceTypes_.count(layer) != 0; }
  void resetDeviceType(nvinfer1::ILayer const* layer) noexcept override { deviceTypes_.erase(layer); }
  bool canRunOnDLA(nvinfer1::ILayer const* layer) const noexcept override;

  int32_t addOptimizationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept override;
  int32_t getNbOptimizationProfiles() const noexcept override { return static_cast<int32_t>(profiles_.size()); }
  void setInt8Calibrator(nvinfer1::IInt8Calibrator* calibrator) noexcept override { calibrator_ = calibrator; }
  nvinfer1::IInt8Calibrator* getInt8Calibrator() const noexcept override { return calibrator_; }
  bool setCalibrationProfile(nvinfer1::IOptimizationProfile const* profile) noexcept override;
  nvinfer1::IOptimizationProfile const* getCalibrationProfile() noexcept override { return calibrationProfileSource_; }

  void setProfilingVerbosity(nvinfer1::ProfilingVerbosity verbosity) noexcept override { verbosity_ = verbosity; }
  nvinfer1::ProfilingVerbosity getProfilingVerbosity() const noexcept override { return verbosity_; }
  void setMemoryPoolLimit(nvinfer1::MemoryPoolType pool, std::size_t bytes) noexcept override { pools_[static_cast<int>(pool)] = bytes; }
  std::size_t getMemoryPoolLimit(nvinfer1::MemoryPoolType pool) const noexcept override;

  nvinfer1::ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept override;
  bool setTimingCache(nvinfer1::ITimingCache const& cache, bool ignoreMismatch) noexcept override;
  nvinfer1::ITimingCache const* getTimingCache() const noexcept override { return timingCache_; }

#if NV_TENSORRT_MAJOR >= 10
  void setProgressMonitor(nvinfer1::IProgressMonitor* monitor) noexcept override { monitor_ = monitor; }
  nvinfer1::IProgressMonitor* getProgressMonitor() const noexcept override { return monitor_; }
#endif

  // For the builder.
  const std::vector<std::map<std::string, ProfileRange>>& profiles() const { return profiles_; }
  const std::map<std::string, ProfileRange>* calibrationProfile() const { return hasCalibrationProfile_ ? &calibrationProfile_ : nullptr; }
  const std::map<nvinfer1::ILayer const*, nvinfer1::DeviceType>& deviceTypes() const { return deviceTypes_; }
  StandinTimingCache* timingCache() const { return timingCache_; }
  void* progressMonitor() const { return monitor_; }

 private:
  static nvinfer1::BuilderFlags Bit(nvinfer1::BuilderFlag flag) { return 1U << static_cast<uint32_t>(flag); }

  nvinfer1::BuilderFlags flags_ = 0;
  nvinfer1::DeviceType defaultDevice_ = nvinfer1::DeviceType::kGPU;
  int32_t dlaCore_ = -1;  // TensorRT's default: unset
  std::map<nvinfer1::ILayer const*, nvinfer1::DeviceType> deviceTypes_;
  std::vector<std::map<std::string, ProfileRange>> profiles_;
  nvinfer1::IInt8Calibrator* calibrator_ = nullptr;
  nvinfer1::IOptimizationProfile const* calibrationProfileSource_ = nullptr;
  std::map<std::string, ProfileRange> calibrationProfile_;
  bool hasCalibrationProfile_ = false;
  nvinfer1::ProfilingVerbosity verbosity_ = nvinfer1::ProfilingVerbosity::kLAYER_NAMES_ONLY;
  std::map<int, std::size_t> pools_;
  StandinTimingCache* timingCache_ = nullptr;  // the caller's; it must outlive the build (as with TensorRT)
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IProgressMonitor* monitor_ = nullptr;
#else
  void* monitor_ = nullptr;
#endif
};

}  // namespace dofa_standin

#pragma GCC diagnostic pop
