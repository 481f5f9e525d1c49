#include "tensorrt/execution_context.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "tensorrt/dims.h"
#include "tensorrt/process_logger.h"
#include "tensorrt/shape_estimate.h"
#include "tensorrt/speed.h"

namespace dofa_standin {

constexpr int kPattern = 0xA5;        // written over the activation memory by every enqueue
constexpr size_t kProbeBytes = 256;   // how much of it the host function checks
constexpr uintptr_t kAlignment = 256; // TensorRT's I/O address alignment

// One enqueue's work for one set of shapes: pinned staging per I/O tensor. Kept until the context dies, because a
// captured graph replays it.
struct RunJob {
  StandinContext* context = nullptr;
  std::vector<OrtTensorIo> inputs;   // data: staging
  std::vector<OrtTensorIo> outputs;  // data: staging, bytes: what the output binding holds
  size_t probeBytes = 0;
};

namespace {

const std::string kApi = "3: [executionContext.cpp] Error Code 3: API Usage Error (";

void HostFunction(void* data) {
  const auto* job = static_cast<const RunJob*>(data);
  job->context->Execute(*job);
}

bool Cuda(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return true;
  static_cast<void>(cudaGetLastError());
  LogError(std::string("1: [executionContext.cpp] Error Code 1: Cuda Runtime (") + call + ": " + cudaGetErrorName(status) +
           ", " + cudaGetErrorString(status) + ")");
  return false;
}

}  // namespace

StandinContext* StandinContext::Create(StandinEngine& engine, bool userManagedMemory) {
  std::unique_ptr<StandinContext> context(new StandinContext(engine, userManagedMemory));
  return context->Allocate() ? context.release() : nullptr;
}

StandinContext::StandinContext(StandinEngine& engine, bool userManagedMemory)
    : engine_(engine), core_(engine.core()), userManaged_(userManagedMemory) {
  mImpl = this;
  ++core_->liveContexts;
}

bool StandinContext::Allocate() {
  if (!Cuda(cudaMallocHost(reinterpret_cast<void**>(&activationProbe_), kProbeBytes), "cudaMallocHost")) return false;
  if (!userManaged_) {
    if (!Cuda(cudaMalloc(&ownMemory_, static_cast<size_t>(core_->plan.activationBytes)), "cudaMalloc")) return false;
    deviceMemory_ = ownMemory_;
  }
  // Static shapes: the staging now, so that no enqueue allocates (cudaMallocHost is not allowed during a capture).
  bool allStatic = true;
  for (const PlanTensor& tensor : core_->plan.tensors) allStatic = allStatic && !tensor.hasProfile;
  if (allStatic) {
    for (const auto& entry : ResolvedShapes()) {
      for (int64_t d : entry.second) allStatic = allStatic && d >= 0;
    }
  }
  return !allStatic || JobFor(ResolvedShapes()) != nullptr;
}

StandinContext::~StandinContext() {
  for (const auto& job : jobs_) {
    for (const OrtTensorIo& io : job->inputs) static_cast<void>(cudaFreeHost(io.data));
    for (const OrtTensorIo& io : job->outputs) static_cast<void>(cudaFreeHost(io.data));
  }
  if (activationProbe_ != nullptr) static_cast<void>(cudaFreeHost(activationProbe_));
  if (ownMemory_ != nullptr) static_cast<void>(cudaFree(ownMemory_));
  --core_->liveContexts;
}

void StandinContext::setDeviceMemory(void* memory) noexcept {
  if (!userManaged_) {
    LogError(kApi + "setDeviceMemory needs a context created without device memory)");
    return;
  }
  if (memory == nullptr || reinterpret_cast<uintptr_t>(memory) % kAlignment != 0) {
    LogError(kApi + "setDeviceMemory: the memory must be non-null and 256-byte aligned)");
    return;
  }
  deviceMemory_ = memory;  // TensorRT 8's call carries no size: getDeviceMemorySize() bytes are assumed
}

#if NV_TENSORRT_MAJOR >= 10
void StandinContext::setDeviceMemoryV2(void* memory, int64_t size) noexcept {
  if (!userManaged_) {
    LogError(kApi + "setDeviceMemoryV2 needs a context created with ExecutionContextAllocationStrategy::kUSER_MANAGED)");
    return;
  }
  if (memory == nullptr || reinterpret_cast<uintptr_t>(memory) % kAlignment != 0 || size < core_->plan.activationBytes) {
    LogError(kApi + "setDeviceMemoryV2: the memory must be non-null, 256-byte aligned and at least getDeviceMemorySizeV2() = " +
             std::to_string(core_->plan.activationBytes) + " bytes; got " + std::to_string(size) + ")");
    return;
  }
  deviceMemory_ = memory;
}

bool StandinContext::setOutputTensorAddress(char const* tensorName, void* data) noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor != nullptr && tensor->isInput) {
    LogError(kApi + "setOutputTensorAddress: '" + tensorName + "' is an input)");
    return false;
  }
  return setTensorAddress(tensorName, data);
}
#endif

bool StandinContext::setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t) noexcept {
  if (profileIndex == 0) return true;
  LogError(kApi + "optimization profile " + std::to_string(profileIndex) + " does not exist; the engine has 1)");
  return false;
}

bool StandinContext::allInputDimensionsSpecified() const noexcept {
  for (const PlanTensor& tensor : core_->plan.tensors) {
    if (tensor.isInput && tensor.hasProfile && inputShapes_.count(tensor.name) == 0) return false;
  }
  return true;
}

bool StandinContext::setInputShape(char const* tensorName, nvinfer1::Dims const& dims) noexcept {
  if (InjectedFault("setInputShape")) return false;
  const PlanTensor* tensor = core_->Tensor(tensorName);
  std::vector<int64_t> shape;
  if (tensor == nullptr || !tensor->isInput) {
    LogError(kApi + "setInputShape: '" + (tensorName != nullptr ? tensorName : "(null)") + "' is not an input tensor of this engine)");
    return false;
  }
  if (!FromDims(dims, &shape) || shape.size() != tensor->dims.size()) {
    LogError(kApi + "setInputShape: '" + tensor->name + "' has rank " + std::to_string(tensor->dims.size()) + ", got " +
             std::to_string(dims.nbDims) + " dims)");
    return false;
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    const int64_t low = tensor->hasProfile ? tensor->min[i] : tensor->dims[i];
    const int64_t high = tensor->hasProfile ? tensor->max[i] : tensor->dims[i];
    if (shape[i] < low || shape[i] > high) {
      LogError(kApi + "setInputShape: supplied dimensions " + ShapeText(shape) + " for '" + tensor->name + "' exceed the min ~ max range at index " +
               std::to_string(i) + ": minimum " + std::to_string(low) + ", maximum " + std::to_string(high) + ")");
      return false;
    }
  }
  inputShapes_[tensor->name] = shape;
  resolvedValid_ = false;
  return true;
}

std::map<std::string, std::vector<int64_t>> StandinContext::ResolvedShapes() const {
  if (resolvedValid_) return resolved_;
  std::map<std::string, std::vector<int64_t>> inputs;
  bool concrete = true;
  for (const PlanTensor& tensor : core_->plan.tensors) {
    if (!tensor.isInput) continue;
    const auto set = inputShapes_.find(tensor.name);
    inputs[tensor.name] = set != inputShapes_.end() ? set->second : tensor.dims;
    for (int64_t d : inputs[tensor.name]) concrete = concrete && d >= 0;
  }
  std::map<std::string, std::vector<int64_t>> shapes = inputs;
  const std::map<std::string, Shape> estimated = concrete ? EstimateShapes(core_->model, inputs) : std::map<std::string, Shape>{};
  for (const PlanTensor& tensor : core_->plan.tensors) {
    if (tensor.isInput) continue;
    bool known = true;
    for (int64_t d : tensor.dims) known = known && d >= 0;
    const auto found = estimated.find(tensor.name);
    shapes[tensor.name] = known || found == estimated.end() ? tensor.dims : found->second;
  }
  resolved_ = shapes;
  resolvedValid_ = true;
  return shapes;
}

nvinfer1::Dims StandinContext::getTensorShape(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor == nullptr) return InvalidDims();
  return ToDims(ResolvedShapes()[tensor->name]);
}

bool StandinContext::setTensorAddress(char const* tensorName, void* data) noexcept {
  if (InjectedFault("setTensorAddress")) return false;
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor == nullptr) {
    LogError(kApi + "setTensorAddress: '" + (tensorName != nullptr ? tensorName : "(null)") + "' is not an I/O tensor of this engine)");
    return false;
  }
  if (data == nullptr || reinterpret_cast<uintptr_t>(data) % kAlignment != 0) {
    LogError(kApi + "setTensorAddress: the address of '" + tensor->name + "' must be non-null and 256-byte aligned)");
    return false;
  }
  addresses_[tensor->name] = data;
  return true;
}

bool StandinContext::setInputTensorAddress(char const* tensorName, void const* data) noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  if (tensor != nullptr && !tensor->isInput) {
    LogError(kApi + "setInputTensorAddress: '" + tensorName + "' is an output)");
    return false;
  }
  return setTensorAddress(tensorName, const_cast<void*>(data));
}

void const* StandinContext::getTensorAddress(char const* tensorName) const noexcept {
  const auto found = tensorName != nullptr ? addresses_.find(tensorName) : addresses_.end();
  return found != addresses_.end() ? found->second : nullptr;
}

void* StandinContext::getOutputTensorAddress(char const* tensorName) const noexcept {
  const PlanTensor* tensor = core_->Tensor(tensorName);
  return tensor != nullptr && !tensor->isInput ? const_cast<void*>(getTensorAddress(tensorName)) : nullptr;
}

bool StandinContext::ValidateForEnqueue(std::string* problem) const {
  for (const PlanTensor& tensor : core_->plan.tensors) {
    if (addresses_.count(tensor.name) == 0) return (*problem = kApi + "enqueueV3: the address of tensor '" + tensor.name + "' is not set)", false);
    if (tensor.isInput && tensor.hasProfile && inputShapes_.count(tensor.name) == 0) {
      return (*problem = kApi + "enqueueV3: the shape of dynamic input '" + tensor.name + "' is not set (setInputShape))", false);
    }
  }
  if (deviceMemory_ == nullptr) {
    return (*problem = kApi + "enqueueV3: the context was created without device memory and none was set (setDeviceMemory / setDeviceMemoryV2))", false);
  }
  return true;
}

const RunJob* StandinContext::JobFor(const std::map<std::string, std::vector<int64_t>>& shapes) {
  std::lock_guard<std::mutex> lock(jobsMutex_);
  for (const auto& job : jobs_) {
    bool same = true;
    for (const OrtTensorIo& io : job->inputs) same = same && shapes.at(io.name) == io.shape;
    if (same) return job.get();
  }
  auto job = std::make_unique<RunJob>();
  job->context = this;
  job->probeBytes = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(kProbeBytes), core_->plan.activationBytes));
  for (const PlanTensor& tensor : core_->plan.tensors) {
    OrtTensorIo io;
    io.name = tensor.name;
    io.onnxType = core_->OnnxType(tensor.name);
    io.shape = shapes.at(tensor.name);
    io.bytes = static_cast<size_t>(Volume(io.shape)) * DataTypeBytes(tensor.dataType);
    const bool allocated = Cuda(cudaMallocHost(&io.data, std::max<size_t>(io.bytes, 1)), "cudaMallocHost");
    if (allocated) (tensor.isInput ? job->inputs : job->outputs).push_back(io);
    if (!allocated) {
      for (const auto* list : {&job->inputs, &job->outputs}) {
        for (const OrtTensorIo& done : *list) static_cast<void>(cudaFreeHost(done.data));
      }
      return nullptr;
    }
  }
  jobs_.push_back(std::move(job));
  return jobs_.back().get();
}

bool StandinContext::enqueueV3(cudaStream_t stream) noexcept {
  if (InjectedFault("enqueueV3")) return false;
  if (failed_.exchange(false)) {
    std::lock_guard<std::mutex> lock(failureMutex_);
    LogError("1: [executionContext.cpp::enqueueV3] Error Code 1: Internal Error (an earlier enqueue on this context failed while it ran: " + failure_ + ")");
    return false;
  }
  std::string problem;
  if (!ValidateForEnqueue(&problem)) return LogError(problem), false;
  const std::map<std::string, std::vector<int64_t>> shapes = ResolvedShapes();
  for (const auto& entry : shapes) {
    for (int64_t d : entry.second) {
      if (d < 0) return LogError(kApi + "enqueueV3: the shape of '" + entry.first + "' cannot be resolved: " + ShapeText(entry.second) + ")"), false;
    }
  }
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  if (!Cuda(cudaStreamIsCapturing(stream, &capture), "cudaStreamIsCapturing")) return false;
  if (capture != cudaStreamCaptureStatusNone && core_->loadables > 0) {
    return LogError("1: [executionContext.cpp::enqueueV3] Error Code 1: Internal Error (an engine with DLA layers cannot be captured into a CUDA graph)"), false;
  }
  const RunJob* found = JobFor(shapes);
  if (found == nullptr) return false;  // cudaMallocHost failed, logged
  const RunJob& job = *found;
  for (const auto* list : {&job.inputs, &job.outputs}) {
    for (const OrtTensorIo& io : *list) {
      if (OnnxTypeBytes(io.onnxType) * static_cast<size_t>(Volume(io.shape)) != io.bytes) {
        return LogError(kApi + "enqueueV3: the stand-in cannot run tensor '" + io.name + "': its TensorRT type and ONNX type differ in size)"), false;
      }
    }
  }
  // The engine uses getDeviceMemorySize() bytes of the block, however large the block given was.
  const size_t activation = static_cast<size_t>(core_->plan.activationBytes);
  if (!Cuda(cudaMemsetAsync(deviceMemory_, kPattern, activation, stream), "cudaMemsetAsync")) return false;
  if (!Cuda(cudaMemcpyAsync(activationProbe_, deviceMemory_, job.probeBytes, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync")) return false;
  for (const OrtTensorIo& io : job.inputs) {
    if (!Cuda(cudaMemcpyAsync(io.data, addresses_.at(io.name), io.bytes, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync")) return false;
  }
  if (!Cuda(cudaLaunchHostFunc(stream, HostFunction, const_cast<RunJob*>(&job)), "cudaLaunchHostFunc")) return false;
  for (const OrtTensorIo& io : job.outputs) {
    if (!Cuda(cudaMemcpyAsync(addresses_.at(io.name), io.data, io.bytes, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync")) return false;
  }
  return true;
}

void StandinContext::Execute(const RunJob& job) {
  std::string failure;
  for (size_t i = 0; i < job.probeBytes && failure.empty(); ++i) {
    if (activationProbe_[i] != kPattern) failure = "the activation memory changed between this enqueue's memset and its run (freed, or overwritten by other work?)";
  }
  const auto started = std::chrono::steady_clock::now();
  if (failure.empty() && !core_->ort->Run(job.inputs, job.outputs, &failure) && failure.empty()) failure = "ONNX Runtime failed";
  if (!failure.empty()) {
    for (const OrtTensorIo& io : job.outputs) {
      if (io.onnxType == 1) {
        std::fill_n(static_cast<float*>(io.data), io.bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
      } else {
        std::memset(io.data, 0xFF, io.bytes);
      }
    }
    {
      std::lock_guard<std::mutex> lock(failureMutex_);
      failure_ = failure;
    }
    failed_ = true;
    LogError("1: [executionContext.cpp::execute] Error Code 1: Internal Error (" + failure + ")");
    return;
  }
  // A slower device takes factor x ONNX Runtime's time (a factor below 1 cannot speed it up).
  const double factor = SpeedFactor(core_->device);
  if (factor > 1) {
    const auto ran = std::chrono::steady_clock::now() - started;
    std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::nanoseconds>(ran * (factor - 1)));
  }
}

}  // namespace dofa_standin
