// IExecutionContext. enqueueV3 checks what TensorRT checks (every I/O address set, input shapes specified, activation
// memory present and large enough) and then queues the run on the stream using only CUDA runtime calls, so the same
// code also runs on a real CUDA runtime and nothing runs on the calling thread:
//   cudaMemsetAsync(activation memory, 0xA5)        the block is "used": freed too early, it shows under ASan
//   cudaMemcpyAsync(pinned staging <- each input, D2H)
//   cudaLaunchHostFunc(run the network on ONNX Runtime, stretched by DYNAMIC_OFA_STANDIN_SPEED)
//   cudaMemcpyAsync(each output <- pinned staging, H2D)
// The host function also checks that the activation pattern survived until it ran (a block freed and reused, or
// written by other work in between, would not). Captured into a CUDA graph, the same work is recorded and replayed.
// A failure inside the host function cannot become a CUDA error through the runtime API; the stand-in logs it at
// kERROR (on the stream's thread), fills the outputs with NaN, and fails the context's next enqueueV3, the closest
// it can come to TensorRT's asynchronous errors (a sticky CUDA error seen at the next synchronisation or call).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aborting_interfaces.h"
#include "tensorrt/engine.h"

namespace dofa_standin {

struct RunJob;

class StandinContext final : public nvinfer1::IExecutionContext, public nvinfer1::apiv::AbortingVExecutionContext {
 public:
  // Use Create: it allocates the staging (and, unless user-managed, the activation memory) and may fail.
  static StandinContext* Create(StandinEngine& engine, bool userManagedMemory);
  ~StandinContext() override;

  nvinfer1::ICudaEngine const& getEngine() const noexcept override { return engine_; }
  void setName(char const* name) noexcept override { name_ = name != nullptr ? name : ""; }
  char const* getName() const noexcept override { return name_.c_str(); }
  void setDeviceMemory(void* memory) noexcept override;
  int32_t getOptimizationProfile() const noexcept override { return 0; }
  bool setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t stream) noexcept override;
  bool allInputDimensionsSpecified() const noexcept override;
  bool allInputShapesSpecified() const noexcept override { return true; }
  bool setInputShape(char const* tensorName, nvinfer1::Dims const& dims) noexcept override;
  nvinfer1::Dims getTensorShape(char const* tensorName) const noexcept override;
  bool setTensorAddress(char const* tensorName, void* data) noexcept override;
  void const* getTensorAddress(char const* tensorName) const noexcept override;
  bool setInputTensorAddress(char const* tensorName, void const* data) noexcept override;
  void* getOutputTensorAddress(char const* tensorName) const noexcept override;
  bool enqueueV3(cudaStream_t stream) noexcept override;
#if NV_TENSORRT_MAJOR >= 10
  nvinfer1::IExecutionContext* getPImpl() noexcept override { return this; }
  bool setOutputTensorAddress(char const* tensorName, void* data) noexcept override;
  void setDeviceMemoryV2(void* memory, int64_t size) noexcept override;
#endif

  // Called on the stream's thread by the host function.
  void Execute(const RunJob& job);

 private:
  StandinContext(StandinEngine& engine, bool userManagedMemory);
  bool Allocate();
  // The job for `shapes` (made on first use); nullptr when its staging cannot be allocated (logged).
  const RunJob* JobFor(const std::map<std::string, std::vector<int64_t>>& shapes);
  std::map<std::string, std::vector<int64_t>> ResolvedShapes() const;
  bool ValidateForEnqueue(std::string* problem) const;

  StandinEngine& engine_;
  std::shared_ptr<EngineCore> core_;
  std::string name_;
  bool userManaged_;
  void* ownMemory_ = nullptr;      // cudaMalloc'd activation memory (kSTATIC)
  void* deviceMemory_ = nullptr;   // what enqueue uses
  std::map<std::string, void*> addresses_;
  std::map<std::string, std::vector<int64_t>> inputShapes_;  // set by setInputShape
  mutable std::map<std::string, std::vector<int64_t>> resolved_;  // every I/O shape; recomputed after setInputShape
  mutable bool resolvedValid_ = false;
  std::map<std::string, void*> staging_;                      // pinned host memory per I/O tensor, for its largest shape
  uint8_t* activationProbe_ = nullptr;                        // pinned: the first bytes of the activation memory
  std::mutex jobsMutex_;
  std::vector<std::unique_ptr<RunJob>> jobs_;  // one per distinct shape set, kept: a captured graph replays its job
  std::atomic<bool> failed_{false};            // a host function failed since the last enqueue
  std::mutex failureMutex_;
  std::string failure_;
};

}  // namespace dofa_standin
