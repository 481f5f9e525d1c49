// IRuntime: deserializes plans into engines. A DLA plan runs on the runtime's DLA core when setDLACore was called
// (TensorRT lets an engine built for core 0 run on core 1 that way), else on the core it was built for; the core
// must exist. Deserialization reserves the engine's DLA loadables on that core (dla_loadables.h) and loads its
// network into ONNX Runtime.
#pragma once

#include "aborting_interfaces.h"

namespace dofa_standin {

class StandinRuntime final : public nvinfer1::IRuntime, public nvinfer1::apiv::AbortingVRuntime {
 public:
  StandinRuntime() { mImpl = this; }

#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IRuntime* getPImpl() noexcept override { return this; }
  nvinfer1::ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override;
  using AbortingVRuntime::deserializeCudaEngine;
  void setEngineHostCodeAllowed(bool allowed) noexcept override { hostCodeAllowed_ = allowed; }
  bool getEngineHostCodeAllowed() const noexcept override { return hostCodeAllowed_; }
#else
  nvinfer1::ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size, nvinfer1::IPluginFactory* factory) noexcept override;
#endif
  void setDLACore(int32_t dlaCore) noexcept override;
  int32_t getDLACore() const noexcept override { return dlaCore_; }
  int32_t getNbDLACores() const noexcept override;
  nvinfer1::ILogger* getLogger() const noexcept override;
  bool setMaxThreads(int32_t maxThreads) noexcept override { return maxThreads > 0 ? (maxThreads_ = maxThreads, true) : false; }
  int32_t getMaxThreads() const noexcept override { return maxThreads_; }

 private:
  nvinfer1::ICudaEngine* Deserialize(void const* blob, std::size_t size) noexcept;

  int32_t dlaCore_ = -1;  // unset: a DLA plan runs on the core it was built for
  int32_t maxThreads_ = 1;
  bool hostCodeAllowed_ = false;
};

}  // namespace dofa_standin
