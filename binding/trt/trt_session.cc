#include "trt/trt_session.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/errors.h"
#include "trt/trt_entry_points.h"

namespace dofa {
namespace trt {

TrtSession::TrtSession(int dlaCore)
    : dlaCore_(dlaCore), acceleratorName_(AcceleratorName(dlaCore)), cuda_(QueryCudaDevice()) {
  const CudaApi& cuda = Cuda();
  LogCapture capture;
  runtime_.reset(CreateRuntime());
  if (!runtime_) throw Error(codes::kBackendUnavailable, "createInferRuntime failed: " + capture.Errors());
  if (dlaCore_ >= 0) {
    const int cores = runtime_->getNbDLACores();
    if (dlaCore_ >= cores) ThrowMissingDlaCore(dlaCore_, cores);
    // Before deserializing: the runtime's core is where a deserialized DLA engine runs (as trtexec does).
    runtime_->setDLACore(dlaCore_);
  }
  // A non-default stream: the default stream adds synchronization, and CUDA graphs cannot capture it.
  CheckCuda(cuda.StreamCreateWithFlags(&stream_, cudaStreamNonBlocking), codes::kBackendUnavailable, "cudaStreamCreate");
  const char* graphs = std::getenv("DYNAMIC_OFA_TRT_CUDA_GRAPH");
  cudaGraphs_ = dlaCore_ < 0 && graphs != nullptr && std::strcmp(graphs, "1") == 0;  // never for DLA engines
  const char* zeroCopy = std::getenv("DYNAMIC_OFA_TRT_ZERO_COPY");
  zeroCopyRequested_ = zeroCopy != nullptr && std::strcmp(zeroCopy, "1") == 0;
}

TrtSession::~TrtSession() {
  const CudaApi& cuda = Cuda();
  if (stream_ != nullptr) static_cast<void>(cuda.StreamSynchronize(stream_));
  if (activations_ != nullptr) static_cast<void>(cuda.Free(activations_));
  if (stream_ != nullptr) static_cast<void>(cuda.StreamDestroy(stream_));
  runtime_.reset();
}

void TrtSession::ReserveActivations(int64_t bytes) {
  if (activations_ != nullptr && bytes > reserved_) ContractViolation("an engine loaded after the model's engines were bound");
  reserved_ = std::max(reserved_, bytes);
}

void* TrtSession::Activations() {
  if (activations_ == nullptr) {
    // cudaMalloc's alignment satisfies TensorRT's; at least 256 bytes so that there is always a pointer.
    const size_t bytes = static_cast<size_t>(std::max<int64_t>(reserved_, 256));
    CheckCuda(Cuda().Malloc(&activations_, bytes), codes::kOutOfMemory,
              "cudaMalloc(" + std::to_string(bytes) + " bytes of activation memory shared by the model's engines)");
  }
  return activations_;
}

}  // namespace trt
}  // namespace dofa
