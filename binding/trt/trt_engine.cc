#include "trt/trt_engine.h"

#include <chrono>
#include <vector>

#include "core/errors.h"
#include "trt/context_memory.h"
#include "trt/file_io.h"
#include "trt/trt_library.h"
#include "trt/trt_logger.h"

namespace dofa {
namespace trt {
namespace {

class TrtEngine final : public Engine {
 public:
  TrtEngine(std::shared_ptr<TrtSession> session, const ModelFile& model)
      : session_(std::move(session)), cuda_(Cuda()), path_(model.path), inferenceOn_("inference on " + session_->acceleratorName()) {
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
  size_t ActivationBytes() const override { return static_cast<size_t>(activationBytes_); }
  bool ReplaysCudaGraph() const override { return graphExec_ != nullptr; }

  void Bind(const SharedBuffers& buffers) override {
    const DeviceView& in = buffers.input->device();
    const DeviceView& out = buffers.output->device();
    if (in.pointer == nullptr || out.pointer == nullptr) {
      throw Error(codes::kInternal, "binding contract: TensorRT engines bind only buffers from the TensorRT backend");
    }
    buffers_ = buffers;
    LogCapture capture;
    SetActivationMemory(*context_, session_->Activations(), session_->activationBytes());
    if (!context_->setTensorAddress(input_.name.c_str(), in.pointer) ||
        !context_->setTensorAddress(output_.name.c_str(), out.pointer)) {
      throw Error(codes::kModelLoad, "'" + path_ + "': setTensorAddress failed: " + capture.Errors());
    }
    DestroyGraph();  // a graph freezes addresses: capture again after binding
    if (session_->cudaGraphs()) CaptureGraph();
  }

  RunTiming Run() override {
    if (!buffers_.input) throw Error(codes::kInference, "engine run before its buffers were bound");
    const SharedBuffer& input = *buffers_.input;
    const SharedBuffer& output = *buffers_.output;
    cudaStream_t stream = session_->stream();
    LogCapture capture;
    const auto start = std::chrono::steady_clock::now();
    if (!input.device().mapped) {
      Check(cuda_.MemcpyAsync(input.device().pointer, input.data(), input_.ElementCount() * sizeof(float), cudaMemcpyHostToDevice, stream),
            "copying the input to the GPU");
    }
    Check(cuda_.EventRecord(startEvent_, stream), "cudaEventRecord");
    if (graphExec_ != nullptr) {
      Check(cuda_.GraphLaunch(graphExec_, stream), "cudaGraphLaunch");
    } else if (!context_->enqueueV3(stream)) {
      static_cast<void>(cuda_.StreamSynchronize(stream));
      throw Error(codes::kInference, "'" + path_ + "': enqueueV3 failed: " + capture.Errors());
    }
    Check(cuda_.EventRecord(stopEvent_, stream), "cudaEventRecord");
    if (!output.device().mapped) {
      Check(cuda_.MemcpyAsync(output.data(), output.device().pointer, output_.ElementCount() * sizeof(float), cudaMemcpyDeviceToHost, stream),
            "copying the output from the GPU");
    }
    // Waits on a blocking-sync event: the thread sleeps until the GPU or DLA is done instead of spinning a core.
    Check(cuda_.EventRecord(doneEvent_, stream), "cudaEventRecord");
    Check(cuda_.EventSynchronize(doneEvent_), inferenceOn_.c_str());
    RunTiming timing;
    timing.hostMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    float deviceMs = 0;
    if (cuda_.EventElapsedTime(&deviceMs, startEvent_, stopEvent_) == cudaSuccess) timing.deviceMs = deviceMs;
    return timing;
  }

 private:
  // The message is built only on failure: Run() checks every CUDA call.
  void Check(cudaError_t status, const char* what) const {
    if (status != cudaSuccess) CheckCuda(status, codes::kInference, "'" + path_ + "': " + what);
  }

  // `offset`: where the plan starts (after the engine-file header, which lib/engines/engine-file.ts has checked).
  void Load(uint64_t offset) {
    std::vector<char> plan;
    if (!ReadFileFrom(path_, offset, &plan) || plan.empty()) {
      throw Error(codes::kModelLoad, "'" + path_ + "': no TensorRT plan to read at byte " + std::to_string(offset));
    }
    LogCapture capture;
    engine_.reset(session_->runtime().deserializeCudaEngine(plan.data(), plan.size()));
    if (!engine_) {
      // Named as rejected: lib/ treats an engine its cache took as fresh as stale, and rebuilds it once.
      throw Error::RejectedModel(path_, "'" + path_ + "': TensorRT cannot deserialize it (built by another TensorRT build, or for "
                                        "another GPU?): " + capture.Errors() + ". Rebuild it (`npm run build-engines -- --force`)");
    }
    ReadTensors();
    context_.reset(CreateContextWithoutActivations(*engine_));
    if (!context_) throw Error(codes::kModelLoad, "'" + path_ + "': createExecutionContext failed: " + capture.Errors());
    activationBytes_ = trt::ActivationBytes(*engine_);
    session_->ReserveActivations(activationBytes_);
    if (dynamicInput_ && !context_->setInputShape(input_.name.c_str(), inputDims_)) {
      throw Error(codes::kModelLoad, "'" + path_ + "': setInputShape failed: " + capture.Errors());
    }
    // The output shape is known once the input shape is (dynamic batch resolved to 1).
    const nvinfer1::Dims outDims = context_->getTensorShape(output_.name.c_str());
    output_.shape.assign(outDims.d, outDims.d + outDims.nbDims);
    for (int64_t& dim : output_.shape) {
      if (dim < 0) dim = 1;
    }
    Check(cuda_.EventCreateWithFlags(&startEvent_, cudaEventDefault), "cudaEventCreate");
    Check(cuda_.EventCreateWithFlags(&stopEvent_, cudaEventDefault), "cudaEventCreate");
    Check(cuda_.EventCreateWithFlags(&doneEvent_, cudaEventBlockingSync | cudaEventDisableTiming), "cudaEventCreate");
  }

  void ReadTensors() {
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
  }

  // trtexec's procedure: one enqueue outside the capture (initialization), then capture one enqueue. A failed
  // capture is not an error: the engine runs with enqueueV3.
  void CaptureGraph() {
    cudaStream_t stream = session_->stream();
    LogCapture capture;  // a failed capture's messages are expected and dropped with it
    if (!context_->enqueueV3(stream) || cuda_.StreamSynchronize(stream) != cudaSuccess) return;
    if (cuda_.StreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
      static_cast<void>(cuda_.GetLastError());
      return;
    }
    const bool enqueued = context_->enqueueV3(stream);
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cuda_.StreamEndCapture(stream, &graph);
    if (enqueued && ended == cudaSuccess && graph != nullptr &&
        cuda_.GraphInstantiateWithFlags(&graphExec_, graph, 0) != cudaSuccess) {
      graphExec_ = nullptr;
    }
    if (graph != nullptr) static_cast<void>(cuda_.GraphDestroy(graph));
    static_cast<void>(cuda_.GetLastError());
  }

  void DestroyGraph() {
    if (graphExec_ != nullptr) static_cast<void>(cuda_.GraphExecDestroy(graphExec_));
    graphExec_ = nullptr;
  }

  void Release() {
    if (session_ && session_->stream() != nullptr) static_cast<void>(cuda_.StreamSynchronize(session_->stream()));
    DestroyGraph();
    for (cudaEvent_t* event : {&startEvent_, &stopEvent_, &doneEvent_}) {
      if (*event != nullptr) static_cast<void>(cuda_.EventDestroy(*event));
      *event = nullptr;
    }
    context_.reset();
    engine_.reset();
  }

  std::shared_ptr<TrtSession> session_;  // declared first: released after the engine and context
  const CudaApi& cuda_;
  std::string path_;
  std::string inferenceOn_;  // what a failed wait for the GPU or DLA says: "inference on DLA core 0"
  Ptr<nvinfer1::ICudaEngine> engine_;
  Ptr<nvinfer1::IExecutionContext> context_;
  int64_t activationBytes_ = 0;
  TensorInfo input_;
  TensorInfo output_;
  nvinfer1::Dims inputDims_{};
  bool dynamicInput_ = false;
  SharedBuffers buffers_;  // host memory and device views, bound once
  cudaEvent_t startEvent_ = nullptr;
  cudaEvent_t stopEvent_ = nullptr;
  cudaEvent_t doneEvent_ = nullptr;  // blocking-sync: what Run() waits on
  cudaGraphExec_t graphExec_ = nullptr;
};

}  // namespace

std::unique_ptr<Engine> LoadTrtEngine(std::shared_ptr<TrtSession> session, const ModelFile& model) {
  return std::make_unique<TrtEngine>(std::move(session), model);
}

}  // namespace trt
}  // namespace dofa
