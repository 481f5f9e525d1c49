#include "tensorrt/network.h"

#include <cstring>
#include <map>

#include "tensorrt/dims.h"
#include "tensorrt/layer_catalog.h"
#include "tensorrt/shape_estimate.h"
#include "tensorrt/standin_abi.h"

namespace dofa_standin {

using nvinfer1::DataType;

bool DataTypeOf(int32_t onnxType, DataType* type) {
  switch (onnxType) {
    case 1: *type = DataType::kFLOAT; return true;
    case 10: *type = DataType::kHALF; return true;
    case 3: *type = DataType::kINT8; return true;
    case 2: *type = DataType::kUINT8; return true;
    case 6: *type = DataType::kINT32; return true;
    case 9: *type = DataType::kBOOL; return true;
#if NV_TENSORRT_MAJOR >= 10
    case 7: *type = DataType::kINT64; return true;
    case 16: *type = DataType::kBF16; return true;
#else
    case 7: *type = DataType::kINT32; return true;  // TensorRT 8 imports INT64 as INT32 (with a warning)
#endif
    default: return false;
  }
}

StandinTensor::StandinTensor(std::string name, DataType type, std::vector<int64_t> dims, bool input, bool output)
    : name_(std::move(name)), type_(type), dims_(std::move(dims)), input_(input), output_(output) {
  mImpl = this;
}

nvinfer1::Dims StandinTensor::getDimensions() const noexcept { return ToDims(dims_); }

StandinLayer::StandinLayer(const StandinNetwork* network, size_t node, std::string name, nvinfer1::LayerType type, std::vector<StandinTensor*> inputs,
                           std::vector<StandinTensor*> outputs)
    : network_(network), node_(node), name_(std::move(name)), type_(type), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  mLayer = this;
}

nvinfer1::ITensor* StandinLayer::getInput(int32_t index) const noexcept {
  return index >= 0 && index < getNbInputs() ? inputs_[static_cast<size_t>(index)] : nullptr;
}

nvinfer1::ITensor* StandinLayer::getOutput(int32_t index) const noexcept {
  return index >= 0 && index < getNbOutputs() ? outputs_[static_cast<size_t>(index)] : nullptr;
}

StandinNetwork::StandinNetwork(nvinfer1::IBuilder& builder, nvinfer1::NetworkDefinitionCreationFlags flags)
    : builder_(builder), flags_(flags) {
  mImpl = this;
}

nvinfer1::ILayer* StandinNetwork::getLayer(int32_t index) const noexcept {
  return index >= 0 && index < getNbLayers() ? layers_[static_cast<size_t>(index)].get() : nullptr;
}

nvinfer1::ITensor* StandinNetwork::getInput(int32_t index) const noexcept {
  return index >= 0 && index < getNbInputs() ? inputs_[static_cast<size_t>(index)] : nullptr;
}

nvinfer1::ITensor* StandinNetwork::getOutput(int32_t index) const noexcept {
  return index >= 0 && index < getNbOutputs() ? outputs_[static_cast<size_t>(index)] : nullptr;
}

#if NV_TENSORRT_MAJOR >= 10
bool StandinNetwork::getFlag(nvinfer1::NetworkDefinitionCreationFlag flag) const noexcept {
  return (flags_ & (1U << static_cast<uint32_t>(flag))) != 0;
}
#endif

const StandinLayer* StandinNetwork::LayerOf(const nvinfer1::ILayer* layer) const {
  for (const auto& own : layers_) {
    if (own.get() == layer) return own.get();
  }
  return nullptr;
}

bool StandinNetwork::Populate(OnnxModel model, const void* bytes, size_t size, std::string* error) {
  if (populated_) return (*error = "the network already holds a parsed model", false);
  // A model that cannot be imported leaves the network empty.
  auto fail = [&](const std::string& why) {
    tensors_.clear();
    layers_.clear();
    inputs_.clear();
    outputs_.clear();
    *error = why;
    return false;
  };
  // Graph inputs and outputs: dims from the ONNX (-1 where symbolic), outputs of a static network from the shapes
  // its operators imply where the ONNX leaves them open.
  std::map<std::string, Shape> staticInputs;
  bool allStatic = true;
  std::map<std::string, StandinTensor*> byName;
  for (const OnnxValueInfo& input : model.inputs) {
    DataType type = DataType::kFLOAT;
    if (!DataTypeOf(input.elemType, &type)) {
      return fail("input '" + input.name + "' has ONNX element type " + std::to_string(input.elemType) +
                       ", which TensorRT does not import");
    }
    if (input.dims.size() > static_cast<size_t>(nvinfer1::Dims::MAX_DIMS)) return fail("input '" + input.name + "' has more than 8 dims");
    Shape dims;
    for (const OnnxDim& dim : input.dims) {
      if (dim.value > INT32_MAX) return fail("input '" + input.name + "' has a dimension above 2^31-1");
      dims.push_back(dim.param.empty() && dim.value >= 0 ? dim.value : -1);
      allStatic = allStatic && dims.back() >= 0;
    }
    staticInputs[input.name] = dims;
    tensors_.push_back(std::make_unique<StandinTensor>(input.name, type, dims, true, false));
    inputs_.push_back(tensors_.back().get());
    byName[input.name] = tensors_.back().get();
  }
  const std::map<std::string, Shape> estimated = allStatic ? EstimateShapes(model, staticInputs) : std::map<std::string, Shape>{};
  std::map<std::string, const OnnxValueInfo*> graphOutputs;
  for (const OnnxValueInfo& output : model.outputs) graphOutputs[output.name] = &output;
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const OnnxNode& node = model.nodes[i];
    std::vector<StandinTensor*> ins;
    std::vector<StandinTensor*> outs;
    for (const std::string& name : node.inputs) {
      const auto found = byName.find(name);
      if (found != byName.end()) ins.push_back(found->second);
    }
    for (const std::string& name : node.outputs) {
      const auto declared = graphOutputs.find(name);
      const auto shape = estimated.find(name);
      Shape dims = shape != estimated.end() ? shape->second : Shape{};
      DataType type = DataType::kFLOAT;
      if (declared != graphOutputs.end()) {
        if (!DataTypeOf(declared->second->elemType, &type)) {
          return fail("output '" + name + "' has ONNX element type " + std::to_string(declared->second->elemType) +
                           ", which TensorRT does not import");
        }
        if (!declared->second->dims.empty()) {
          dims.clear();
          for (const OnnxDim& dim : declared->second->dims) dims.push_back(dim.param.empty() ? dim.value : -1);
        }
      }
      if (dims.size() > static_cast<size_t>(nvinfer1::Dims::MAX_DIMS)) return fail("tensor '" + name + "' has more than 8 dims");
      tensors_.push_back(std::make_unique<StandinTensor>(name, type, dims, false, declared != graphOutputs.end()));
      outs.push_back(tensors_.back().get());
      byName[name] = tensors_.back().get();
      if (declared != graphOutputs.end()) outputs_.push_back(tensors_.back().get());
    }
    layers_.push_back(std::make_unique<StandinLayer>(this, i, LayerName(model, i), KindOf(node).type, ins, outs));
  }
  // Outputs in the graph's declared order.
  outputs_.clear();
  for (const OnnxValueInfo& output : model.outputs) outputs_.push_back(byName.at(output.name));
  name_ = model.graphName;
  model_ = std::move(model);
  const auto* begin = static_cast<const uint8_t*>(bytes);
  onnx_.assign(begin, begin + size);
  populated_ = true;
  return true;
}

}  // namespace dofa_standin

namespace {

void Report(DofaStandinParseError* errors, int32_t maxErrors, int32_t* count, nvonnxparser::ErrorCode code, int32_t node,
            const std::string& desc, const std::string& nodeName = "", const std::string& nodeOperator = "") {
  if (*count >= maxErrors || errors == nullptr) return;
  DofaStandinParseError& error = errors[(*count)++];
  std::memset(&error, 0, sizeof error);
  error.code = static_cast<int32_t>(code);
  error.node = node;
  std::strncpy(error.desc, desc.c_str(), sizeof error.desc - 1);
  std::strncpy(error.nodeName, nodeName.c_str(), sizeof error.nodeName - 1);
  std::strncpy(error.nodeOperator, nodeOperator.c_str(), sizeof error.nodeOperator - 1);
}

// onnx-tensorrt's Conv importer checks the weights against kernel_shape ("kernel weights has count ... but ... was
// expected"); fails-at-run.onnx, which ONNX Runtime loads, is refused here as TensorRT refuses it.
bool ConvWeightsMatch(const dofa_standin::OnnxModel& model, const dofa_standin::OnnxNode& node, std::string* why) {
  const std::vector<int64_t> kernel = node.Ints("kernel_shape");
  if (node.opType != "Conv" || kernel.empty() || node.inputs.size() < 2) return true;
  const auto weights = model.initializers.find(node.inputs[1]);
  if (weights == model.initializers.end() || weights->second.size() != kernel.size() + 2) return true;
  const int64_t count = dofa_standin::Volume(weights->second);
  const int64_t expected = dofa_standin::Volume({weights->second[0], weights->second[1]}) * dofa_standin::Volume(kernel);
  if (count == expected) return true;
  *why = "kernel weights has count " + std::to_string(count) + " but " + std::to_string(expected) + " was expected";
  return false;
}

}  // namespace

extern "C" int32_t dofaStandinPopulateNetwork(void* network, void const* onnx, size_t size, DofaStandinParseError* errors,
                                              int32_t maxErrors) {
  using nvonnxparser::ErrorCode;
  int32_t count = 0;
  auto* target = dynamic_cast<dofa_standin::StandinNetwork*>(static_cast<nvinfer1::INetworkDefinition*>(network));
  if (target == nullptr) {
    Report(errors, maxErrors, &count, ErrorCode::kINVALID_VALUE, -1, "the network was not created by this libnvinfer");
    return count;
  }
  dofa_standin::OnnxModel model;
  std::string problem;
  if (!dofa_standin::ReadOnnxModel(onnx, size, &model, &problem)) {
    const bool wire = problem.rfind("the ONNX protobuf", 0) == 0 || problem == "no model bytes";
    Report(errors, maxErrors, &count, wire ? ErrorCode::kMODEL_DESERIALIZE_FAILED : ErrorCode::kINVALID_GRAPH, -1, problem);
    return count;
  }
  // Like onnx-tensorrt, the first node that cannot be imported stops the parse.
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const dofa_standin::OnnxNode& node = model.nodes[i];
    const std::string name = dofa_standin::LayerName(model, i);
    const std::string where = "While parsing node number " + std::to_string(i) + " [" + node.opType + " -> \"" + node.outputs[0] + "\"]: ";
    if (!dofa_standin::IsSupportedNode(node)) {
      Report(errors, maxErrors, &count, ErrorCode::kUNSUPPORTED_NODE, static_cast<int32_t>(i),
             where + "No importer registered for op: " + node.opType + (node.domain.empty() ? "" : " (domain " + node.domain + ")") +
                 ". The stand-in TensorRT imports only the operators listed in test/tensorrt-standin/README.md.",
             name, node.opType);
      return count;
    }
    if (!ConvWeightsMatch(model, node, &problem)) {
      Report(errors, maxErrors, &count, ErrorCode::kINVALID_NODE, static_cast<int32_t>(i), where + problem, name, node.opType);
      return count;
    }
  }
  if (!target->Populate(std::move(model), onnx, size, &problem)) {
    Report(errors, maxErrors, &count, ErrorCode::kUNSUPPORTED_GRAPH, -1, problem);
  }
  return count;
}

extern "C" int32_t dofaStandinSupportsOperator(char const* opType) {
  return opType != nullptr && dofa_standin::IsSupportedOperator(opType) ? 1 : 0;
}
