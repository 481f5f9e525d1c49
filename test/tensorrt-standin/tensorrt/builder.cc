#include "tensorrt/builder.h"

#include "tensorrt/builder_config.h"
#include "tensorrt/device_signature.h"
#include "tensorrt/network.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {

bool StandinBuilder::platformHasTf32() const noexcept {
  DeviceSignature device;
  std::string error;
  return CurrentDevice(&device, &error) && device.major >= 8;  // Ampere and later
}

int32_t StandinBuilder::getNbDLACores() const noexcept { return DlaCores(); }

nvinfer1::IBuilderConfig* StandinBuilder::createBuilderConfig() noexcept {
  if (InjectedFault("createBuilderConfig")) return nullptr;
  return new StandinBuilderConfig();
}

nvinfer1::INetworkDefinition* StandinBuilder::createNetworkV2(nvinfer1::NetworkDefinitionCreationFlags flags) noexcept {
  if (InjectedFault("createNetworkV2")) return nullptr;
#if NV_TENSORRT_MAJOR < 10
  // The ONNX parser needs an explicit-batch network; TensorRT 8's implicit batch mode is not modelled.
  const auto explicitBatch = 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
  if ((flags & explicitBatch) == 0) {
    LogError("4: [network.cpp::NetworkDefinition] Error Code 4: API Usage Error (the stand-in TensorRT builds explicit-batch "
             "networks only: pass 1U << NetworkDefinitionCreationFlag::kEXPLICIT_BATCH, as the ONNX parser requires)");
    return nullptr;
  }
#endif
  return new StandinNetwork(*this, flags);
}

nvinfer1::IOptimizationProfile* StandinBuilder::createOptimizationProfile() noexcept {
  profiles_.push_back(std::make_unique<StandinOptimizationProfile>());
  return profiles_.back().get();
}

nvinfer1::IHostMemory* StandinBuilder::buildSerializedNetwork(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) noexcept {
  if (InjectedFault("buildSerializedNetwork")) return nullptr;
  auto* ownNetwork = dynamic_cast<StandinNetwork*>(&network);
  auto* ownConfig = dynamic_cast<StandinBuilderConfig*>(&config);
  if (ownNetwork == nullptr || ownConfig == nullptr) {
    LogError("3: [builder.cpp::buildSerializedNetwork] Error Code 3: API Usage Error (network or config not created by this builder)");
    return nullptr;
  }
  try {
    return BuildPlan(*ownNetwork, *ownConfig);
  } catch (const std::exception& error) {
    LogError(std::string("2: [builder.cpp::buildSerializedNetwork] Error Code 2: Internal Error (") + error.what() + ")");
    return nullptr;
  }
}

nvinfer1::ILogger* StandinBuilder::getLogger() const noexcept { return ProcessLogger(); }

}  // namespace dofa_standin
