// CUDA memory for a model's shared buffers, and the CUDA facts the TensorRT backend keys on. Every CUDA call
// goes through the run-time loaded table (trt/cuda_api.h).
//
// Integrated GPUs (Jetson): the shared buffers are mapped pinned host memory (cudaHostAlloc with
// cudaHostAllocMapped). The JS typed-array views, the preprocessing and TensorRT all touch the same bytes; the
// device pointer from cudaHostGetDevicePointer (equal to the host pointer on Jetson) is what TensorRT binds.
// Discrete GPUs: the shared buffers are pinned host staging memory and each has a device mirror (cudaMalloc);
// engines copy in and out asynchronously on their stream.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "core/engine.h"
#include "trt/trt_info.h"

namespace dofa {

// Throws Error(code, "<what>: <cudaGetErrorName> (<cudaGetErrorString>)") unless status is cudaSuccess.
void CheckCuda(cudaError_t status, const char* code, const std::string& what);

// The current device's properties. Throws E_BACKEND_UNAVAILABLE when the CUDA runtime cannot be loaded or there is
// no usable device. The first call in the process asks for blocking synchronization (below).
CudaDeviceInfo QueryCudaDevice();

// Allocates `floats` floats of shared memory as described above (zeroed), its device view included. The
// SharedBuffer's deleter frees the host memory and any device mirror; free it only when no stream uses it
// (engines synchronize in Run()).
std::shared_ptr<SharedBuffer> AllocateCudaShared(size_t floats, bool integrated);

}  // namespace dofa
