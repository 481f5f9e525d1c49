#include "tensorrt/runtime.h"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "common/faults.h"
#include "tensorrt/device_signature.h"
#include "tensorrt/dla_loadables.h"
#include "tensorrt/engine.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {
void StandinRuntime::setDLACore(int32_t dlaCore) noexcept {
  const int32_t cores = DlaCores();
  if (dlaCore < 0 || dlaCore >= cores) {
    LogError("3: [runtime.cpp::setDLACore] Error Code 3: API Usage Error (DLA core " + std::to_string(dlaCore) +
             " does not exist: this platform has " + std::to_string(cores) + " DLA cores)");
  }
  dlaCore_ = dlaCore;
}

int32_t StandinRuntime::getNbDLACores() const noexcept { return DlaCores(); }

nvinfer1::ILogger* StandinRuntime::getLogger() const noexcept { return ProcessLogger(); }

#if NV_TENSORRT_MAJOR >= 10
nvinfer1::ICudaEngine* StandinRuntime::deserializeCudaEngine(void const* blob, std::size_t size) noexcept { return Deserialize(blob, size); }
#else
nvinfer1::ICudaEngine* StandinRuntime::deserializeCudaEngine(void const* blob, std::size_t size, nvinfer1::IPluginFactory*) noexcept {
  return Deserialize(blob, size);
}
#endif

nvinfer1::ICudaEngine* StandinRuntime::Deserialize(void const* blob, std::size_t size) noexcept {
  if (InjectedFault("deserializeCudaEngine")) return nullptr;
  try {
    auto core = std::make_shared<EngineCore>();
    std::string error;
    if (!DeserializePlan(blob, size, LibraryVersion(), &core->plan, &error)) return LogError(error), nullptr;
    DeviceSignature here;
    if (!CurrentDevice(&here, &error)) return LogError("1: [runtime.cpp::deserializeCudaEngine] Error Code 1: Cuda Runtime (" + error + ")"), nullptr;
    if (here != core->plan.device) {
      LogError("6: The engine plan file is generated on an incompatible device, expecting compute " + here.ComputeText() + " got compute " +
               core->plan.device.ComputeText() + " ('" + core->plan.device.name + "', this device is '" + here.name + "'), please rebuild.");
      return nullptr;
    }
    if (!ReadOnnxModel(core->plan.onnx.data(), core->plan.onnx.size(), &core->model, &error) ||
        core->plan.onDla.size() != core->model.nodes.size()) {
      return LogError("1: [runtime.cpp::deserializeCudaEngine] Error Code 1: Serialization (Serialization assertion the engine's network is intact failed.)"), nullptr;
    }
    std::vector<bool> onDla(core->plan.onDla.begin(), core->plan.onDla.end());
    core->layers = EngineLayers(core->model, onDla);
    for (const EngineLayer& layer : core->layers) core->loadables += layer.kind == EngineLayer::Kind::kDla ? 1 : 0;
    if (core->loadables > 0) {
      core->dlaCore = dlaCore_ >= 0 ? dlaCore_ : core->plan.dlaCore;
      const int32_t cores = DlaCores();
      if (core->dlaCore < 0 || core->dlaCore >= cores) {
        LogError("1: [runtime.cpp::deserializeCudaEngine] Error Code 1: Internal Error (the engine runs on DLA core " + std::to_string(core->dlaCore) +
                 ", which does not exist: this platform has " + std::to_string(cores) + " DLA cores)");
        return nullptr;
      }
    }
    core->device = core->loadables > 0 ? "dla" : "gpu";
    core->ort = OrtModel::Create(core->plan.onnx, &error);
    if (!core->ort) return LogError("1: [runtime.cpp::deserializeCudaEngine] Error Code 1: Internal Error (" + error + ")"), nullptr;
    if (!ReserveDlaLoadables(core->dlaCore, core->loadables, &error)) return LogError(error), nullptr;
    const auto* bytes = static_cast<const uint8_t*>(blob);
    core->planBytes.assign(bytes, bytes + size);
    return new StandinEngine(std::move(core));
  } catch (const std::exception& error) {
    LogError(std::string("2: [runtime.cpp::deserializeCudaEngine] Error Code 2: Internal Error (") + error.what() + ")");
    return nullptr;
  }
}

}  // namespace dofa_standin
