// IEngineInspector: the engine's layers as TensorRT reports them. kJSON gives {"Layers":[...],"Bindings":[...]};
// with kDETAILED profiling verbosity each layer is an object (Name, LayerType, Inputs, Outputs, TacticValue,
// StreamId), with kLAYER_NAMES_ONLY just its name, with kNONE no layers. kONELINE gives one layer per line. A DLA
// subgraph is "{ForeignNode[...]}" with LayerType "DLA"; a Myelin region on the GPU is named "{ForeignNode[...]}"
// too, with LayerType "Myelin" (count loadables by LayerType, not by name).
#pragma once

#include <memory>
#include <string>

#include "aborting_interfaces.h"
#include "tensorrt/engine.h"

namespace dofa_standin {

class StandinInspector final : public nvinfer1::IEngineInspector, public nvinfer1::apiv::AbortingVEngineInspector {
 public:
  explicit StandinInspector(std::shared_ptr<EngineCore> core) : core_(std::move(core)) { mImpl = this; }

  bool setExecutionContext(nvinfer1::IExecutionContext const* context) noexcept override;
  nvinfer1::IExecutionContext const* getExecutionContext() const noexcept override { return context_; }
  char const* getLayerInformation(int32_t layerIndex, nvinfer1::LayerInformationFormat format) const noexcept override;
  char const* getEngineInformation(nvinfer1::LayerInformationFormat format) const noexcept override;
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IEngineInspector* getPImpl() noexcept override { return this; }
#endif

 private:
  std::string Layer(size_t index) const;
  std::string Bindings() const;

  std::shared_ptr<EngineCore> core_;
  nvinfer1::IExecutionContext const* context_ = nullptr;
  mutable std::string text_;  // what the last call returned: valid until the next call, as in TensorRT
};

}  // namespace dofa_standin
