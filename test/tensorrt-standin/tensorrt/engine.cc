#include "tensorrt/engine.h"

#include "tensorrt/dims.h"
#include "tensorrt/dla_loadables.h"
#include "tensorrt/execution_context.h"
#include "tensorrt/host_memory.h"
#include "tensorrt/inspector.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {

using nvinfer1::OptProfileSelector;

const PlanTensor* EngineCore::Tensor(char const* name) const {
  if (name == nullptr) return nullptr;
  for (const PlanTensor& tensor : plan.tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

int32_t EngineCore::OnnxType(const std::string& name) const {
  for (const OnnxValueInfo& info : model.inputs) {
    if (info.name == name) return info.elemType;
  }
  for (const OnnxValueInfo& info : model.outputs) {
    if (info.name == name) return info.elemType;
  }
  return 0;
}

StandinEngine::StandinEngine(std::shared_ptr<EngineCore> core) : core_(std::move(core)) { mImpl = this; }

StandinEngine::~StandinEngine() {
  const int32_t contexts = core_->liveContexts.load();
  if (contexts > 0) {
    LogError("3: [engine.cpp::~Engine] Error Code 3: API Usage Error (the engine is destroyed while " + std::to_string(contexts) +
             " of its execution contexts still exist; destroy contexts first)");
  }
  ReleaseDlaLoadables(core_->dlaCore, core_->loadables);  // the engine's DLA programs are unloaded with it
}

char const* StandinEngine::getIOTensorName(int32_t index) const noexcept {
  return index >= 0 && index < getNbIOTensors() ? core_->plan.tensors[static_cast<size_t>(index)].name.c_str() : nullptr;
}

nvinfer1::TensorIOMode StandinEngine::getTensorIOMode(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor == nullptr) return nvinfer1::TensorIOMode::kNONE;
  return tensor->isInput ? nvinfer1::TensorIOMode::kINPUT : nvinfer1::TensorIOMode::kOUTPUT;
}

nvinfer1::Dims StandinEngine::getTensorShape(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  return tensor != nullptr ? ToDims(tensor->dims) : InvalidDims();
}

nvinfer1::DataType StandinEngine::getTensorDataType(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  return tensor != nullptr ? static_cast<nvinfer1::DataType>(tensor->dataType) : nvinfer1::DataType::kFLOAT;
}

// I/O stays fp32 linear device memory: TensorRT inserts reformats around DLA subgraphs instead.
nvinfer1::TensorLocation StandinEngine::getTensorLocation(char const*) const noexcept { return nvinfer1::TensorLocation::kDEVICE; }
nvinfer1::TensorFormat StandinEngine::getTensorFormat(char const*) const noexcept { return nvinfer1::TensorFormat::kLINEAR; }
int32_t StandinEngine::getTensorComponentsPerElement(char const*) const noexcept { return 1; }
int32_t StandinEngine::getTensorVectorizedDim(char const*) const noexcept { return -1; }
bool StandinEngine::isShapeInferenceIO(char const*) const noexcept { return false; }

char const* StandinEngine::getTensorFormatDesc(char const* tensorName) const noexcept {
  return core_->Tensor(tensorName) != nullptr ? "Row major linear FP32 format (kLINEAR)" : nullptr;
}

int32_t StandinEngine::getTensorBytesPerComponent(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  return tensor != nullptr ? static_cast<int32_t>(DataTypeBytes(tensor->dataType)) : -1;
}

nvinfer1::Dims StandinEngine::getProfileShape(char const* tensorName, int32_t profileIndex, OptProfileSelector select) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor == nullptr || !tensor->isInput || profileIndex != 0) return InvalidDims();
  if (!tensor->hasProfile) return ToDims(tensor->dims);
  return ToDims(select == OptProfileSelector::kMIN ? tensor->min : select == OptProfileSelector::kOPT ? tensor->opt : tensor->max);
}

nvinfer1::IHostMemory* StandinEngine::serialize() const noexcept {
  if (InjectedFault("serialize")) return nullptr;
  return new StandinHostMemory(core_->planBytes);
}

nvinfer1::IEngineInspector* StandinEngine::createEngineInspector() const noexcept {
  if (InjectedFault("createEngineInspector")) return nullptr;
  return new StandinInspector(core_);
}

nvinfer1::ProfilingVerbosity StandinEngine::getProfilingVerbosity() const noexcept {
  return static_cast<nvinfer1::ProfilingVerbosity>(core_->plan.profilingVerbosity);
}

nvinfer1::IExecutionContext* StandinEngine::NewContext(bool userManagedMemory) noexcept {
  if (InjectedFault("createExecutionContext")) return nullptr;
  return StandinContext::Create(*this, userManagedMemory);
}

nvinfer1::IExecutionContext* StandinEngine::createExecutionContextWithoutDeviceMemory() noexcept { return NewContext(true); }

#if NV_TENSORRT_MAJOR >= 10
nvinfer1::IExecutionContext* StandinEngine::createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept {
  return NewContext(strategy == nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED);
}

size_t StandinEngine::getDeviceMemorySizeForProfile(int32_t profileIndex) const noexcept {
  return profileIndex == 0 ? static_cast<size_t>(core_->plan.activationBytes) : 0;
}

int64_t StandinEngine::getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept {
  return profileIndex == 0 ? core_->plan.activationBytes : 0;
}
#else
nvinfer1::IExecutionContext* StandinEngine::createExecutionContext() noexcept { return NewContext(false); }
#endif

}  // namespace dofa_standin
