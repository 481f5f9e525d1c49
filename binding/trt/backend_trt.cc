#include "trt/backend_trt.h"

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/errors.h"
#include "trt/cuda_buffers.h"
#include "trt/file_io.h"
#include "trt/trt_common.h"
#include "trt/trt_entry_points.h"

namespace dofa {
namespace {

// What every engine of one family shares: the runtime (engines must be destroyed before it), the stream, the
// device facts. Engines hold it by shared_ptr, so it dies with the last engine.
class TrtSession {
 public:
  explicit TrtSession(int dlaCore) : dlaCore_(dlaCore), cuda_(QueryCudaDevice()) {
    runtime_.reset(trt::CreateRuntime(logger_));
    if (!runtime_) throw Error(codes::kBackendUnavailable, "createInferRuntime failed: " + logger_.TakeErrors());
    if (dlaCore_ >= 0) {
      const int cores = runtime_->getNbDLACores();
      if (dlaCore_ >= cores) {
        throw Error(codes::kBackendUnavailable, trt::AcceleratorName(dlaCore_) + " does not exist here (this GPU has " +
                                                    std::to_string(cores) + " DLA cores)");
      }
      runtime_->setDLACore(dlaCore_);  // before deserializing, as trtexec does
    }
    // A non-default stream: the default stream adds synchronization, and CUDA graphs cannot capture it.
    CheckCuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), codes::kBackendUnavailable, "cudaStreamCreate");
    const char* graphs = std::getenv("DYNAMIC_OFA_TRT_CUDA_GRAPH");
    cudaGraphs_ = dlaCore_ < 0 && graphs != nullptr && std::strcmp(graphs, "1") == 0;  // never for DLA engines
  }
  ~TrtSession() {
    if (stream_ != nullptr) static_cast<void>(cudaStreamDestroy(stream_));
    runtime_.reset();
  }
  TrtSession(const TrtSession&) = delete;
  TrtSession& operator=(const TrtSession&) = delete;

  nvinfer1::IRuntime& runtime() { return *runtime_; }
  trt::Logger& logger() { return logger_; }
  cudaStream_t stream() const { return stream_; }
  const std::string& acceleratorName() const { return acceleratorName_; }
  bool zeroCopy() const { return cuda_.integrated && cuda_.canMapHostMemory; }
  bool cudaGraphs() const { return cudaGraphs_; }

 private:
  trt::Logger logger_;
  int dlaCore_;
  std::string acceleratorName_ = trt::AcceleratorName(dlaCore_);
  CudaDeviceInfo cuda_;
  trt::Ptr<nvinfer1::IRuntime> runtime_;
  cudaStream_t stream_ = nullptr;
  bool cudaGraphs_ = false;
};

class TrtEngine final : public Engine {
 public:
  TrtEngine(std::shared_ptr<TrtSession> session, const ModelFile& model) : session_(std::move(session)), path_(model.path) {
    try {
      Load(model.offset);
    } catch (...) {
      Release();
      throw;
    }
  }
  ~TrtEngine() override { Release(); }

  const TensorInfo& input() const override { return input_; }
  const TensorInfo& output() const override { return output_; }

  void Bind(const SharedBuffers& buffers) override {
    const DeviceView& in = buffers.input->device();
    const DeviceView& out = buffers.output->device();
    if (in.pointer == nullptr || out.pointer == nullptr) {
      throw Error(codes::kInternal, "binding contract: TensorRT engines bind only buffers from the TensorRT backend");
    }
    buffers_ = buffers;
    if (!context_->setTensorAddress(input_.name.c_str(), in.pointer) ||
        !context_->setTensorAddress(output_.name.c_str(), out.pointer)) {
      throw Error(codes::kModelLoad, "'" + path_ + "': setTensorAddress failed: " + session_->logger().TakeErrors());
    }
    DestroyGraph();  // a graph freezes addresses: capture again after binding
    if (session_->cudaGraphs()) CaptureGraph();
  }

  RunTiming Run() override {
    if (!buffers_.input) throw Error(codes::kInference, "engine run before its buffers were bound");
    const SharedBuffer& input = *buffers_.input;
    const SharedBuffer& output = *buffers_.output;
    cudaStream_t stream = session_->stream();
    const auto start = std::chrono::steady_clock::now();
    if (!input.device().mapped) {
      Check(cudaMemcpyAsync(input.device().pointer, input.data(), input_.ElementCount() * sizeof(float), cudaMemcpyHostToDevice, stream),
            "copying the input to the GPU");
    }
    Check(cudaEventRecord(startEvent_, stream), "cudaEventRecord");
    if (graphExec_ != nullptr) {
      Check(cudaGraphLaunch(graphExec_, stream), "cudaGraphLaunch");
    } else if (!context_->enqueueV3(stream)) {
      static_cast<void>(cudaStreamSynchronize(stream));
      throw Error(codes::kInference, "'" + path_ + "': enqueueV3 failed: " + session_->logger().TakeErrors());
    }
    Check(cudaEventRecord(stopEvent_, stream), "cudaEventRecord");
    if (!output.device().mapped) {
      Check(cudaMemcpyAsync(output.data(), output.device().pointer, output_.ElementCount() * sizeof(float), cudaMemcpyDeviceToHost, stream),
            "copying the output from the GPU");
    }
    Check(cudaStreamSynchronize(stream), "inference on " + session_->acceleratorName());
    RunTiming timing;
    timing.hostMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    float deviceMs = 0;
    if (cudaEventElapsedTime(&deviceMs, startEvent_, stopEvent_) == cudaSuccess) timing.deviceMs = deviceMs;
    return timing;
  }

 private:
  void Check(cudaError_t status, const std::string& what) const { CheckCuda(status, codes::kInference, "'" + path_ + "': " + what); }

  // `offset`: where the plan starts (after the engine-file header, which lib/engine-cache.ts has checked).
  void Load(uint64_t offset) {
    std::vector<char> plan;
    if (!ReadFileFrom(path_, offset, &plan) || plan.empty()) {
      throw Error(codes::kModelLoad, "'" + path_ + "': no TensorRT plan to read at byte " + std::to_string(offset));
    }
    engine_.reset(session_->runtime().deserializeCudaEngine(plan.data(), plan.size()));
    if (!engine_) {
      throw Error(codes::kModelLoad, "'" + path_ + "': TensorRT cannot deserialize it (built for another GPU?): " +
                                         session_->logger().TakeErrors() + ". Rebuild it (`npm run build-engines -- --force`)");
    }
    int inputs = 0;
    int outputs = 0;
    for (int32_t i = 0; i < engine_->getNbIOTensors(); ++i) {
      const char* name = engine_->getIOTensorName(i);
      const bool isInput = engine_->getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT;
      (isInput ? inputs : outputs)++;
      TensorInfo& info = isInput ? input_ : output_;
      info.name = name;
      if (engine_->getTensorDataType(name) != nvinfer1::DataType::kFLOAT ||
          engine_->getTensorFormat(name) != nvinfer1::TensorFormat::kLINEAR ||
          engine_->getTensorLocation(name) != nvinfer1::TensorLocation::kDEVICE) {
        throw Error(codes::kModelLoad, "'" + path_ + "': tensor '" + info.name +
                                           "' is not linear float32 device memory (the shared buffers need that)");
      }
      nvinfer1::Dims dims = engine_->getTensorShape(name);
      bool dynamic = false;
      for (int32_t d = 0; d < dims.nbDims; ++d) dynamic = dynamic || dims.d[d] < 0;
      if (dynamic && isInput) dims = engine_->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kOPT);
      info.shape.assign(dims.d, dims.d + dims.nbDims);
      if (isInput) inputDims_ = dims;
      dynamicInput_ = dynamicInput_ || (dynamic && isInput);
    }
    if (inputs != 1 || outputs != 1) {
      throw Error(codes::kModelLoad, "'" + path_ + "' has " + std::to_string(inputs) + " inputs and " + std::to_string(outputs) +
                                         " outputs; a sub-network has one of each");
    }
    context_.reset(engine_->createExecutionContext());
    if (!context_) throw Error(codes::kModelLoad, "'" + path_ + "': createExecutionContext failed: " + session_->logger().TakeErrors());
    if (dynamicInput_ && !context_->setInputShape(input_.name.c_str(), inputDims_)) {
      throw Error(codes::kModelLoad, "'" + path_ + "': setInputShape failed: " + session_->logger().TakeErrors());
    }
    // The output shape is known once the input shape is (dynamic batch resolved to 1).
    const nvinfer1::Dims outDims = context_->getTensorShape(output_.name.c_str());
    output_.shape.assign(outDims.d, outDims.d + outDims.nbDims);
    for (int64_t& dim : output_.shape) {
      if (dim < 0) dim = 1;
    }
    Check(cudaEventCreate(&startEvent_), "cudaEventCreate");
    Check(cudaEventCreate(&stopEvent_), "cudaEventCreate");
  }

  // trtexec's procedure: one enqueue outside the capture (initialization), then capture one enqueue. A failed
  // capture is not an error: the engine runs with enqueueV3.
  void CaptureGraph() {
    cudaStream_t stream = session_->stream();
    if (!context_->enqueueV3(stream) || cudaStreamSynchronize(stream) != cudaSuccess) return;
    if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
      static_cast<void>(cudaGetLastError());
      return;
    }
    const bool enqueued = context_->enqueueV3(stream);
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
    if (enqueued && ended == cudaSuccess && graph != nullptr &&
        cudaGraphInstantiateWithFlags(&graphExec_, graph, 0) != cudaSuccess) {
      graphExec_ = nullptr;
    }
    if (graph != nullptr) static_cast<void>(cudaGraphDestroy(graph));
    static_cast<void>(cudaGetLastError());
    session_->logger().TakeErrors();
  }

  void DestroyGraph() {
    if (graphExec_ != nullptr) static_cast<void>(cudaGraphExecDestroy(graphExec_));
    graphExec_ = nullptr;
  }

  void Release() {
    if (session_ && session_->stream() != nullptr) static_cast<void>(cudaStreamSynchronize(session_->stream()));
    DestroyGraph();
    if (startEvent_ != nullptr) static_cast<void>(cudaEventDestroy(startEvent_));
    if (stopEvent_ != nullptr) static_cast<void>(cudaEventDestroy(stopEvent_));
    startEvent_ = stopEvent_ = nullptr;
    context_.reset();
    engine_.reset();
  }

  std::shared_ptr<TrtSession> session_;  // declared first: released after the engine and context
  std::string path_;
  trt::Ptr<nvinfer1::ICudaEngine> engine_;
  trt::Ptr<nvinfer1::IExecutionContext> context_;
  TensorInfo input_;
  TensorInfo output_;
  nvinfer1::Dims inputDims_{};
  bool dynamicInput_ = false;
  SharedBuffers buffers_;  // host memory and device views, bound once
  cudaEvent_t startEvent_ = nullptr;
  cudaEvent_t stopEvent_ = nullptr;
  cudaGraphExec_t graphExec_ = nullptr;
};

class TrtBackend final : public Backend {
 public:
  explicit TrtBackend(const BackendOptions& options) : session_(std::make_shared<TrtSession>(options.dlaCore)) {}

  std::unique_ptr<Engine> LoadEngine(const ModelFile& model) override { return std::make_unique<TrtEngine>(session_, model); }

  // Integrated GPU: mapped pinned memory, bound directly (zero-copy). Discrete: pinned staging + device mirror.
  std::shared_ptr<SharedBuffer> Allocate(size_t floats) override { return AllocateCudaShared(floats, session_->zeroCopy()); }

 private:
  std::shared_ptr<TrtSession> session_;
};

}  // namespace

std::unique_ptr<Backend> CreateTrtBackend(const BackendOptions& options) { return std::make_unique<TrtBackend>(options); }

}  // namespace dofa
