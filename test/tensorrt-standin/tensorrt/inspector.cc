#include "tensorrt/inspector.h"

#include <cstdio>
#include <functional>
#include <set>

#include "tensorrt/execution_context.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {
namespace {

std::string Json(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Tensors a node range reads from outside it (not weights) and produces for outside it.
void RangeTensors(const OnnxModel& model, int first, int last, std::vector<std::string>* inputs, std::vector<std::string>* outputs) {
  std::set<std::string> produced;
  for (int i = first; i <= last; ++i) {
    for (const std::string& name : model.nodes[static_cast<size_t>(i)].outputs) produced.insert(name);
  }
  std::set<std::string> seen;
  for (int i = first; i <= last; ++i) {
    for (const std::string& name : model.nodes[static_cast<size_t>(i)].inputs) {
      if (!name.empty() && produced.count(name) == 0 && model.initializers.count(name) == 0 && seen.insert(name).second) inputs->push_back(name);
    }
  }
  std::set<std::string> usedOutside;
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    if (static_cast<int>(i) >= first && static_cast<int>(i) <= last) continue;
    for (const std::string& name : model.nodes[i].inputs) usedOutside.insert(name);
  }
  for (const OnnxValueInfo& output : model.outputs) usedOutside.insert(output.name);
  for (int i = first; i <= last; ++i) {
    for (const std::string& name : model.nodes[static_cast<size_t>(i)].outputs) {
      if (usedOutside.count(name) != 0) outputs->push_back(name);
    }
  }
}

std::string TensorList(const std::vector<std::string>& names, const char* format) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    out += (i ? "," : "") + std::string("{\"Name\":") + Json(names[i]) + ",\"Location\":\"Device\",\"Format/Datatype\":" + Json(format) + "}";
  }
  return out + "]";
}

}  // namespace

bool StandinInspector::setExecutionContext(nvinfer1::IExecutionContext const* context) noexcept {
  if (context != nullptr && dynamic_cast<const StandinContext*>(context) == nullptr) return false;
  context_ = context;
  return true;
}

std::string StandinInspector::Layer(size_t index) const {
  const EngineLayer& layer = core_->layers[index];
  const auto verbosity = static_cast<nvinfer1::ProfilingVerbosity>(core_->plan.profilingVerbosity);
  if (verbosity != nvinfer1::ProfilingVerbosity::kDETAILED) return Json(layer.name);
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  const char* format = layer.kind == EngineLayer::Kind::kDla ? "Channel major FP16 format where channel % 16 == 0" : "Row major linear FP32";
  if (layer.first >= 0) RangeTensors(core_->model, layer.first, layer.last, &inputs, &outputs);
  std::string out = "{\"Name\":" + Json(layer.name) + ",\"LayerType\":" + Json(layer.type) + ",\"Inputs\":" + TensorList(inputs, format) +
                    ",\"Outputs\":" + TensorList(outputs, format);
  char tactic[32];
  std::snprintf(tactic, sizeof tactic, "0x%016llx", static_cast<unsigned long long>(std::hash<std::string>()(layer.name) & 0xffffffffffULL));
  return out + ",\"TacticValue\":\"" + tactic + "\",\"StreamId\":0}";
}

std::string StandinInspector::Bindings() const {
  std::string out = "[";
  for (size_t i = 0; i < core_->plan.tensors.size(); ++i) out += (i ? "," : "") + Json(core_->plan.tensors[i].name);
  return out + "]";
}

char const* StandinInspector::getLayerInformation(int32_t layerIndex, nvinfer1::LayerInformationFormat) const noexcept {
  if (layerIndex < 0 || static_cast<size_t>(layerIndex) >= core_->layers.size()) {
    LogError("3: [engineInspector.cpp::getLayerInformation] Error Code 3: API Usage Error (layer index " + std::to_string(layerIndex) +
             " is out of range)");
    return nullptr;
  }
  text_ = Layer(static_cast<size_t>(layerIndex));
  return text_.c_str();
}

char const* StandinInspector::getEngineInformation(nvinfer1::LayerInformationFormat format) const noexcept {
  if (InjectedFault("getEngineInformation")) return nullptr;
  const bool none = static_cast<nvinfer1::ProfilingVerbosity>(core_->plan.profilingVerbosity) == nvinfer1::ProfilingVerbosity::kNONE;
  const size_t count = none ? 0 : core_->layers.size();
  if (format == nvinfer1::LayerInformationFormat::kONELINE) {
    text_.clear();
    for (size_t i = 0; i < count; ++i) text_ += Layer(i) + "\n";
    text_ += "Bindings: " + Bindings() + "\n";
    return text_.c_str();
  }
  text_ = "{\"Layers\":[";
  for (size_t i = 0; i < count; ++i) text_ += (i ? "," : "") + Layer(i);
  text_ += "],\"Bindings\":" + Bindings() + "}";
  return text_.c_str();
}

}  // namespace dofa_standin
