#include "trt/engine_inspection.h"

#include <exception>

#include "trt/context_memory.h"
#include "trt/trt_common.h"
#include "trt/trt_entry_points.h"

namespace dofa {
namespace trt {

EngineInspection InspectPlan(const void* plan, size_t bytes, int dlaCore) {
  EngineInspection inspection;
  try {
    LogCapture capture;
    Ptr<nvinfer1::IRuntime> runtime(CreateRuntime());
    if (!runtime) {
      inspection.error = "createInferRuntime failed: " + capture.Errors();
      return inspection;
    }
    if (dlaCore >= 0) runtime->setDLACore(dlaCore);
    Ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan, bytes));
    if (!engine) {
      inspection.error = "the plan does not deserialize here: " + capture.Errors();
      return inspection;
    }
    inspection.activationBytes = ActivationBytes(*engine);
    Ptr<nvinfer1::IEngineInspector> inspector(engine->createEngineInspector());
    const char* json = inspector ? inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON) : nullptr;
    if (json == nullptr) {
      inspection.error = "the engine inspector gave no information: " + capture.Errors();
    } else {
      inspection.information = json;
    }
  } catch (const std::exception& error) {
    inspection.error = error.what();
  }
  return inspection;
}

}  // namespace trt
}  // namespace dofa
