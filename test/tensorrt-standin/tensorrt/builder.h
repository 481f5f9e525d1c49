// IBuilder: networks, configs and optimization profiles it owns or hands out, the platform's capabilities (fast
// fp16/int8, DLA cores from the device) and buildSerializedNetwork (build_plan.cc).
#pragma once

#include <memory>
#include <vector>

#include "aborting_interfaces.h"
#include "tensorrt/optimization_profile.h"

namespace dofa_standin {

class StandinNetwork;
class StandinBuilderConfig;

class StandinBuilder final : public nvinfer1::IBuilder, public nvinfer1::apiv::AbortingVBuilder {
 public:
  StandinBuilder() { mImpl = this; }

  bool platformHasFastFp16() const noexcept override { return true; }
  bool platformHasFastInt8() const noexcept override { return true; }
  bool platformHasTf32() const noexcept override;
  int32_t getMaxDLABatchSize() const noexcept override { return 4096; }
  int32_t getNbDLACores() const noexcept override;
  nvinfer1::IBuilderConfig* createBuilderConfig() noexcept override;
  nvinfer1::INetworkDefinition* createNetworkV2(nvinfer1::NetworkDefinitionCreationFlags flags) noexcept override;
  nvinfer1::IOptimizationProfile* createOptimizationProfile() noexcept override;
  nvinfer1::IHostMemory* buildSerializedNetwork(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) noexcept override;
  nvinfer1::ILogger* getLogger() const noexcept override;
  bool setMaxThreads(int32_t maxThreads) noexcept override { return maxThreads > 0 ? (maxThreads_ = maxThreads, true) : false; }
  int32_t getMaxThreads() const noexcept override { return maxThreads_; }
  void reset() noexcept override {}

 private:
  std::vector<std::unique_ptr<StandinOptimizationProfile>> profiles_;  // owned by the builder, as in TensorRT
  int32_t maxThreads_ = 1;
};

// buildSerializedNetwork's work: the plan, or nullptr with the reasons logged.
nvinfer1::IHostMemory* BuildPlan(StandinNetwork& network, StandinBuilderConfig& config);

}  // namespace dofa_standin
