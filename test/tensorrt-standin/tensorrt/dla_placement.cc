#include "tensorrt/dla_placement.h"

#include "tensorrt/layer_catalog.h"

namespace dofa_standin {
namespace {

std::string ForeignNode(const OnnxModel& model, int first, int last) {
  const std::string head = LayerName(model, static_cast<size_t>(first));
  return "{ForeignNode[" + (first == last ? head : head + "..." + LayerName(model, static_cast<size_t>(last))) + "]}";
}

EngineLayer Reformat(const std::string& which, const std::string& to) {
  EngineLayer layer;
  layer.kind = EngineLayer::Kind::kReformat;
  layer.name = "Reformatting CopyNode for " + which + " Tensor 0 to " + to;
  layer.type = "Reformat";
  return layer;
}

// The DLA subgraphs as [first, last] node ranges.
std::vector<std::pair<int, int>> DlaRuns(const std::vector<bool>& onDla) {
  std::vector<std::pair<int, int>> runs;
  for (int i = 0; i < static_cast<int>(onDla.size()); ++i) {
    if (!onDla[static_cast<size_t>(i)]) continue;
    if (!runs.empty() && runs.back().second == i - 1) {
      runs.back().second = i;
    } else {
      runs.emplace_back(i, i);
    }
  }
  return runs;
}

}  // namespace

std::vector<EngineLayer> EngineLayers(const OnnxModel& model, const std::vector<bool>& onDla) {
  std::vector<EngineLayer> layers;
  const int count = static_cast<int>(model.nodes.size());
  bool reformatPending = false;  // a DLA subgraph just ended: its output goes back to fp32 linear for the GPU
  for (int i = 0; i < count;) {
    const bool dla = onDla[static_cast<size_t>(i)];
    int last = i;
    while (last + 1 < count && onDla[static_cast<size_t>(last + 1)] == dla) ++last;
    EngineLayer layer;
    layer.first = i;
    layer.last = last;
    if (dla) {
      layer.kind = EngineLayer::Kind::kDla;
      layer.name = ForeignNode(model, i, last);
      layer.type = "DLA";
      layers.push_back(Reformat("Input", layer.name));
    } else if (last > i) {
      layer.kind = EngineLayer::Kind::kMyelin;
      layer.name = ForeignNode(model, i, last);
      layer.type = "Myelin";
    } else {
      layer.kind = EngineLayer::Kind::kGpu;
      layer.name = LayerName(model, static_cast<size_t>(i));
      layer.type = KindOf(model.nodes[static_cast<size_t>(i)]).inspectorType;
    }
    if (reformatPending) layers.push_back(Reformat("Input", layer.name));
    layers.push_back(layer);
    reformatPending = dla;
    i = last + 1;
  }
  if (reformatPending) layers.push_back(Reformat("Output", layers.back().name));
  return layers;
}

Placement PlaceNetwork(const PlacementRequest& request) {
  const OnnxModel& model = *request.model;
  Placement placement;
  const size_t count = model.nodes.size();
  placement.onDla.assign(count, false);
  bool anyDla = false;
  for (size_t i = 0; i < count; ++i) {
    const int forced = i < request.deviceOverride.size() ? request.deviceOverride[i] : -1;
    const bool wantsDla = forced == -1 ? request.dlaByDefault : forced == 1;
    if (!wantsDla) continue;
    anyDla = true;
    const OnnxNode& node = model.nodes[i];
    std::string why;
    bool can = DlaCanRun(node, model, &why);
    if (can && !request.reducedPrecision) can = (why = "DLA only supports FP16 and Int8 precision type", false);
    if (can && !request.staticShapes) can = (why = "DLA does not support dynamic shapes (min, opt and max differ)", false);
    const std::string layer = "Layer '" + LayerName(model, i) + "' (" + KindOf(node).logName + ")";
    if (!can && !request.gpuFallback) {
      placement.error = layer + ": " + why + ", and GPU fallback is not enabled (BuilderFlag::kGPU_FALLBACK)";
      return placement;
    }
    if (!can) {
      placement.warnings.push_back(layer + ": " + why + ". Switching this layer's device type to GPU.");
      continue;
    }
    placement.onDla[i] = true;
  }
  // A core runs at most maxSubgraphs of a network's DLA subgraphs; TensorRT moves later ones to the GPU.
  const std::vector<std::pair<int, int>> runs = DlaRuns(placement.onDla);
  for (size_t r = static_cast<size_t>(request.maxSubgraphs); r < runs.size(); ++r) {
    for (int i = runs[r].first; i <= runs[r].second; ++i) {
      placement.onDla[static_cast<size_t>(i)] = false;
      placement.warnings.push_back("DLA supports only " + std::to_string(request.maxSubgraphs) +
                                   " subgraphs per DLA core. Switching to GPU for layer " + LayerName(model, static_cast<size_t>(i)));
    }
  }
  if (anyDla && DlaRuns(placement.onDla).empty()) {
    placement.warnings.push_back("setDefaultDeviceType was called but no layer in the network can run on DLA.");
  }
  placement.layers = EngineLayers(model, placement.onDla);
  for (const EngineLayer& layer : placement.layers) placement.dlaLoadables += layer.kind == EngineLayer::Kind::kDla ? 1 : 0;
  if (anyDla) {
    placement.placementLog.push_back("---------- Layers Running on DLA ----------");
    for (const EngineLayer& layer : placement.layers) {
      if (layer.kind == EngineLayer::Kind::kDla) placement.placementLog.push_back("[DlaLayer] " + layer.name);
    }
    placement.placementLog.push_back("---------- Layers Running on GPU ----------");
    for (size_t i = 0; i < count; ++i) {
      if (!placement.onDla[i]) {
        placement.placementLog.push_back(std::string("[GpuLayer] ") + KindOf(model.nodes[i]).logName + ": " + LayerName(model, i));
      }
    }
  }
  placement.ok = true;
  return placement;
}

}  // namespace dofa_standin
