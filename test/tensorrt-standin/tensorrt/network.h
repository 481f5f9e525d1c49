// INetworkDefinition, ITensor and ILayer as the ONNX parser leaves them: one tensor per graph input and node output,
// one layer per ONNX node (named after the node), input dims from the ONNX (-1 for a symbolic dim), and the model's
// bytes, which the builder puts into the plan. Only what a builder and the addon read is implemented; everything
// else aborts with its name (aborting_interfaces.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aborting_interfaces.h"
#include "tensorrt/onnx_reader.h"

namespace dofa_standin {

class StandinTensor final : public nvinfer1::ITensor, public nvinfer1::apiv::AbortingVTensor {
 public:
  StandinTensor(std::string name, nvinfer1::DataType type, std::vector<int64_t> dims, bool input, bool output);

  char const* getName() const noexcept override { return name_.c_str(); }
  nvinfer1::Dims getDimensions() const noexcept override;
  nvinfer1::DataType getType() const noexcept override { return type_; }
  bool isNetworkInput() const noexcept override { return input_; }
  bool isNetworkOutput() const noexcept override { return output_; }
  nvinfer1::TensorLocation getLocation() const noexcept override { return nvinfer1::TensorLocation::kDEVICE; }
  bool isShapeTensor() const noexcept override { return false; }
  bool isExecutionTensor() const noexcept override { return true; }

  const std::vector<int64_t>& shape() const { return dims_; }

 private:
  std::string name_;
  nvinfer1::DataType type_;
  std::vector<int64_t> dims_;
  bool input_;
  bool output_;
};

class StandinNetwork;

class StandinLayer final : public nvinfer1::ILayer, public nvinfer1::apiv::AbortingVLayer {
 public:
  StandinLayer(const StandinNetwork* network, size_t node, std::string name, nvinfer1::LayerType type, std::vector<StandinTensor*> inputs,
               std::vector<StandinTensor*> outputs);

  nvinfer1::LayerType getType() const noexcept override { return type_; }
  void setName(char const* name) noexcept override { name_ = name != nullptr ? name : ""; }
  char const* getName() const noexcept override { return name_.c_str(); }
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(inputs_.size()); }
  nvinfer1::ITensor* getInput(int32_t index) const noexcept override;
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(outputs_.size()); }
  nvinfer1::ITensor* getOutput(int32_t index) const noexcept override;

  size_t node() const { return node_; }
  const StandinNetwork& network() const { return *network_; }

 private:
  const StandinNetwork* network_;
  size_t node_;
  std::string name_;
  nvinfer1::LayerType type_;
  std::vector<StandinTensor*> inputs_;
  std::vector<StandinTensor*> outputs_;
};

class StandinNetwork final : public nvinfer1::INetworkDefinition, public nvinfer1::apiv::AbortingVNetworkDefinition {
 public:
  StandinNetwork(nvinfer1::IBuilder& builder, nvinfer1::NetworkDefinitionCreationFlags flags);

  int32_t getNbLayers() const noexcept override { return static_cast<int32_t>(layers_.size()); }
  nvinfer1::ILayer* getLayer(int32_t index) const noexcept override;
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(inputs_.size()); }
  nvinfer1::ITensor* getInput(int32_t index) const noexcept override;
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(outputs_.size()); }
  nvinfer1::ITensor* getOutput(int32_t index) const noexcept override;
  void setName(char const* name) noexcept override { name_ = name != nullptr ? name : ""; }
  char const* getName() const noexcept override { return name_.c_str(); }
  bool hasImplicitBatchDimension() const noexcept override { return false; }
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IBuilder& getBuilder() const noexcept override { return builder_; }
  nvinfer1::NetworkDefinitionCreationFlags getFlags() const noexcept override { return flags_; }
  bool getFlag(nvinfer1::NetworkDefinitionCreationFlag flag) const noexcept override;
#endif

  // Takes the model the parser read: false (with `error`) when the network already holds one.
  bool Populate(OnnxModel model, const void* bytes, size_t size, std::string* error);
  bool populated() const { return populated_; }
  const OnnxModel& model() const { return model_; }
  const std::vector<uint8_t>& onnx() const { return onnx_; }
  // Per node: the ILayer the builder config's per-layer settings (setDeviceType) refer to.
  const StandinLayer* LayerOf(const nvinfer1::ILayer* layer) const;
  const std::vector<StandinTensor*>& inputs() const { return inputs_; }
  const std::vector<StandinTensor*>& outputs() const { return outputs_; }

 private:
  nvinfer1::IBuilder& builder_;
  nvinfer1::NetworkDefinitionCreationFlags flags_;
  std::string name_;
  bool populated_ = false;
  OnnxModel model_;
  std::vector<uint8_t> onnx_;
  std::vector<std::unique_ptr<StandinTensor>> tensors_;
  std::vector<std::unique_ptr<StandinLayer>> layers_;
  std::vector<StandinTensor*> inputs_;
  std::vector<StandinTensor*> outputs_;
};

// ONNX TensorProto.DataType -> TensorRT DataType; false for a type the stand-in does not import.
bool DataTypeOf(int32_t onnxType, nvinfer1::DataType* type);

}  // namespace dofa_standin
