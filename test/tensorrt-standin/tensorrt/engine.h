// ICudaEngine: a deserialized plan. What the engine and its execution contexts and inspectors share lives in an
// EngineCore (the plan, the ONNX graph, its ONNX Runtime session, the engine layers and its DLA loadables), so a
// context used after its engine was destroyed (an API misuse TensorRT forbids, and which the stand-in logs) does
// not run into freed memory.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "aborting_interfaces.h"
#include "tensorrt/dla_placement.h"
#include "tensorrt/onnx_reader.h"
#include "tensorrt/ort_runner.h"
#include "tensorrt/plan_format.h"

namespace dofa_standin {

struct EngineCore {
  PlanContents plan;
  std::vector<uint8_t> planBytes;  // ICudaEngine::serialize gives the plan back
  OnnxModel model;
  std::unique_ptr<OrtModel> ort;
  std::vector<EngineLayer> layers;
  int32_t dlaCore = -1;   // the core its DLA subgraphs run on (the runtime's, else the plan's)
  int32_t loadables = 0;  // DLA subgraphs reserved on dlaCore
  std::string device = "gpu";  // "gpu" or "dla": which factor of DYNAMIC_OFA_STANDIN_SPEED slows its runs
  std::atomic<int32_t> liveContexts{0};  // destroying the engine before them is logged as the misuse it is

  // The plan's tensor named `name`, or nullptr.
  const PlanTensor* Tensor(char const* name) const;
  // ONNX element type of I/O tensor `name` (from the model), 0 when unknown.
  int32_t OnnxType(const std::string& name) const;
};

class StandinEngine final : public nvinfer1::ICudaEngine, public nvinfer1::apiv::AbortingVCudaEngine {
 public:
  explicit StandinEngine(std::shared_ptr<EngineCore> core);
  ~StandinEngine() override;

  int32_t getNbIOTensors() const noexcept override { return static_cast<int32_t>(core_->plan.tensors.size()); }
  char const* getIOTensorName(int32_t index) const noexcept override;
  nvinfer1::TensorIOMode getTensorIOMode(char const* tensorName) const noexcept override;
  nvinfer1::Dims getTensorShape(char const* tensorName) const noexcept override;
  nvinfer1::DataType getTensorDataType(char const* tensorName) const noexcept override;
  nvinfer1::TensorLocation getTensorLocation(char const* tensorName) const noexcept override;
  nvinfer1::TensorFormat getTensorFormat(char const* tensorName) const noexcept override;
  char const* getTensorFormatDesc(char const* tensorName) const noexcept override;
  int32_t getTensorBytesPerComponent(char const* tensorName) const noexcept override;
  int32_t getTensorComponentsPerElement(char const* tensorName) const noexcept override;
  int32_t getTensorVectorizedDim(char const* tensorName) const noexcept override;
  bool isShapeInferenceIO(char const* tensorName) const noexcept override;
  nvinfer1::Dims getProfileShape(char const* tensorName, int32_t profileIndex, nvinfer1::OptProfileSelector select) const noexcept override;
  int32_t getNbOptimizationProfiles() const noexcept override { return 1; }
  size_t getDeviceMemorySize() const noexcept override { return static_cast<size_t>(core_->plan.activationBytes); }
  int32_t getNbLayers() const noexcept override { return static_cast<int32_t>(core_->layers.size()); }
  char const* getName() const noexcept override { return core_->plan.name.c_str(); }
  nvinfer1::IHostMemory* serialize() const noexcept override;
  nvinfer1::IEngineInspector* createEngineInspector() const noexcept override;
  nvinfer1::ProfilingVerbosity getProfilingVerbosity() const noexcept override;
  bool hasImplicitBatchDimension() const noexcept override { return false; }
  bool isRefittable() const noexcept override { return false; }
  nvinfer1::EngineCapability getEngineCapability() const noexcept override { return nvinfer1::EngineCapability::kSTANDARD; }
  nvinfer1::TacticSources getTacticSources() const noexcept override { return 0; }
  nvinfer1::IExecutionContext* createExecutionContextWithoutDeviceMemory() noexcept override;
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::ICudaEngine* getPImpl() noexcept override { return this; }
  nvinfer1::IExecutionContext* createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept override;
  size_t getDeviceMemorySizeForProfile(int32_t profileIndex) const noexcept override;
  int64_t getDeviceMemorySizeV2() const noexcept override { return core_->plan.activationBytes; }
  int64_t getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept override;
  int32_t getNbAuxStreams() const noexcept override { return 0; }
  nvinfer1::HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept override {
    return nvinfer1::HardwareCompatibilityLevel::kNONE;
  }
#else
  nvinfer1::IExecutionContext* createExecutionContext() noexcept override;
#endif

  const std::shared_ptr<EngineCore>& core() const { return core_; }

 private:
  nvinfer1::IExecutionContext* NewContext(bool userManagedMemory) noexcept;

  std::shared_ptr<EngineCore> core_;
};

}  // namespace dofa_standin
