// What every engine of one TensorRT model shares: the runtime (engines must be destroyed before it), the stream,
// the device facts and one block of activation memory sized for the largest engine. Engines hold the session by
// shared_ptr, so it dies with the last engine. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>

#include "trt/cuda_buffers.h"
#include "trt/trt_common.h"

namespace dofa {
namespace trt {

class TrtSession {
 public:
  // Throws E_BACKEND_UNAVAILABLE when TensorRT, the CUDA runtime, a CUDA device or the DLA core is missing.
  explicit TrtSession(int dlaCore);
  ~TrtSession();
  TrtSession(const TrtSession&) = delete;
  TrtSession& operator=(const TrtSession&) = delete;

  nvinfer1::IRuntime& runtime() { return *runtime_; }
  cudaStream_t stream() const { return stream_; }
  const std::string& acceleratorName() const { return acceleratorName_; }
  // Mapped (zero-copy) I/O: on integrated devices, or where DYNAMIC_OFA_TRT_ZERO_COPY=1 asks for it (a discrete GPU
  // then reads host memory over the bus: slower, but it runs the Jetson's path on any CUDA machine).
  bool zeroCopy() const { return cuda_.canMapHostMemory && (cuda_.integrated || zeroCopyRequested_); }
  bool cudaGraphs() const { return cudaGraphs_; }

  // Engines announce what their context needs while they load; the block is allocated for the largest at the
  // first Activations() call (binding), after every engine of the model has loaded.
  void ReserveActivations(int64_t bytes);
  void* Activations();
  int64_t activationBytes() const { return reserved_; }

 private:
  int dlaCore_;
  std::string acceleratorName_;
  CudaDeviceInfo cuda_;
  Ptr<nvinfer1::IRuntime> runtime_;
  cudaStream_t stream_ = nullptr;
  bool cudaGraphs_ = false;
  bool zeroCopyRequested_ = false;
  int64_t reserved_ = 0;
  void* activations_ = nullptr;
};

}  // namespace trt
}  // namespace dofa
