// Where each layer of a network runs and what the built engine's layers are, as TensorRT partitions a network for
// DLA: layers run on DLA when the device type asks for it, DLA can run them and the precision is fp16/int8; with
// GPU fallback the others run on the GPU, and each maximal run of consecutive DLA layers (in node order) becomes
// one DLA subgraph, i.e. one DLA loadable; past `maxSubgraphs` TensorRT switches the rest to the GPU ("DLA supports
// only 16 subgraphs per DLA core"). Engine layers: a DLA subgraph "{ForeignNode[first...last]}" (LayerType DLA)
// with a reformat before it (fp32 linear to DLA's fp16) and after it; two or more consecutive GPU layers one Myelin
// region, also named "{ForeignNode[first...last]}" (LayerType Myelin); a lone GPU layer keeps its name.
#pragma once

#include <string>
#include <vector>

#include "tensorrt/onnx_reader.h"

namespace dofa_standin {

struct PlacementRequest {
  const OnnxModel* model = nullptr;
  bool dlaByDefault = false;            // IBuilderConfig::setDefaultDeviceType(kDLA)
  std::vector<int> deviceOverride;      // per node: -1 unset, 0 GPU, 1 DLA (IBuilderConfig::setDeviceType)
  bool gpuFallback = false;             // BuilderFlag::kGPU_FALLBACK
  bool reducedPrecision = false;        // kFP16 or kINT8: DLA runs nothing else
  bool staticShapes = true;             // DLA needs min = opt = max
  int maxSubgraphs = 16;
};

struct EngineLayer {
  enum class Kind { kDla, kMyelin, kGpu, kReformat };
  Kind kind = Kind::kGpu;
  std::string name;
  std::string type;  // the inspector's LayerType
  int first = -1;    // node range (none for reformats)
  int last = -1;
};

struct Placement {
  bool ok = false;
  std::string error;                      // why the build fails (a layer DLA cannot run without GPU fallback)
  std::vector<std::string> warnings;      // what TensorRT warns when it switches layers to the GPU
  std::vector<bool> onDla;                // per node
  std::vector<EngineLayer> layers;        // the engine's layers in order
  std::vector<std::string> placementLog;  // TensorRT 8's "[DlaLayer] ..." / "[GpuLayer] ..." lines (DLA builds)
  int dlaLoadables = 0;
};

Placement PlaceNetwork(const PlacementRequest& request);

// Rebuilds the engine layers from a per-node placement (deserialization keeps the placement, not the layers).
std::vector<EngineLayer> EngineLayers(const OnnxModel& model, const std::vector<bool>& onDla);

}  // namespace dofa_standin
