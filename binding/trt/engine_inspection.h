// What a built plan really is, read back from the engine (not predicted from canRunOnDLA before the build): the
// engine inspector's JSON, where each DLA subgraph (one DLA loadable) is a "{ForeignNode[...]}" layer of LayerType
// "DLA" (Myelin's GPU regions are named alike, LayerType "Myelin"), and the
// activation memory a context needs. lib/engines/ parses the JSON and counts. Compiled only with
// DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dofa {
namespace trt {

struct EngineInspection {
  std::string information;     // IEngineInspector::getEngineInformation(kJSON); "" when unavailable
  int64_t activationBytes = -1;  // getDeviceMemorySize(V2); -1 when unknown
  std::string error;           // why the plan could not be inspected
};

// Deserializes `plan` on the accelerator it was built for (the DLA core set first) and inspects it. Never throws:
// a plan that cannot be inspected here is reported, and fails again, with TensorRT's reason, when loaded.
EngineInspection InspectPlan(const void* plan, size_t bytes, int dlaCore);

}  // namespace trt
}  // namespace dofa
