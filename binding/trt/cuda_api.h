// The CUDA runtime functions the TensorRT backend calls, as one table of pointers resolved with dlopen/dlsym
// (trt/trt_library.cc), so the addon never links libcudart. The symbol resolved is the one the headers really
// call: CUDA 12's headers rename cudaGetDeviceProperties to cudaGetDeviceProperties_v2 with a macro, so names are
// stringified after macro expansion. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cuda_runtime_api.h>

#include <vector>

#include "trt/runtime_loader.h"

// X(member, function): every CUDA runtime call of binding/trt/. Only functions that JetPack's runtimes (CUDA 11.4
// on JetPack 5, 12.2 on JetPack 6.0) export: OldestCudaRuntime() names the newest of them, and the loader refuses
// an older runtime of the same major.
#define DOFA_CUDA_FUNCTIONS(X)                                   \
  X(GetDeviceCount, cudaGetDeviceCount)                          \
  X(GetDevice, cudaGetDevice)                                    \
  X(GetDeviceProperties, cudaGetDeviceProperties)                \
  X(SetDeviceFlags, cudaSetDeviceFlags)                          \
  X(DriverGetVersion, cudaDriverGetVersion)                      \
  X(GetErrorName, cudaGetErrorName)                              \
  X(GetErrorString, cudaGetErrorString)                          \
  X(GetLastError, cudaGetLastError)                              \
  X(StreamCreateWithFlags, cudaStreamCreateWithFlags)            \
  X(StreamDestroy, cudaStreamDestroy)                            \
  X(StreamSynchronize, cudaStreamSynchronize)                    \
  X(StreamBeginCapture, cudaStreamBeginCapture)                  \
  X(StreamEndCapture, cudaStreamEndCapture)                      \
  X(EventCreateWithFlags, cudaEventCreateWithFlags)              \
  X(EventRecord, cudaEventRecord)                                \
  X(EventSynchronize, cudaEventSynchronize)                      \
  X(EventElapsedTime, cudaEventElapsedTime)                      \
  X(EventDestroy, cudaEventDestroy)                              \
  X(GraphInstantiateWithFlags, cudaGraphInstantiateWithFlags)    \
  X(GraphLaunch, cudaGraphLaunch)                                \
  X(GraphDestroy, cudaGraphDestroy)                              \
  X(GraphExecDestroy, cudaGraphExecDestroy)                      \
  X(HostAlloc, cudaHostAlloc)                                    \
  X(HostGetDevicePointer, cudaHostGetDevicePointer)              \
  X(FreeHost, cudaFreeHost)                                      \
  X(Malloc, cudaMalloc)                                          \
  X(Free, cudaFree)                                              \
  X(Memset, cudaMemset)                                          \
  X(Memcpy, cudaMemcpy)                                          \
  X(MemcpyAsync, cudaMemcpyAsync)

namespace dofa {
namespace trt {

struct CudaApi {
#define DOFA_CUDA_MEMBER(member, function) decltype(&function) member = nullptr;
  DOFA_CUDA_FUNCTIONS(DOFA_CUDA_MEMBER)
#undef DOFA_CUDA_MEMBER
};

// The exported name of each entry (after the headers' macros) and its slot in `api`.
std::vector<Symbol> CudaSymbols(CudaApi* api);

// The oldest runtime of the headers' major that exports every entry: CUDA 11: 11.4 (cudaGraphInstantiateWithFlags
// is new in 11.4; the rest is in 11.2's libcudart.so.11.0 too), CUDA 12: 12.0 (cudaGetDeviceProperties_v2).
Version OldestCudaRuntime();
// The headers' CUDART_VERSION.
Version CudaHeadersVersion();

}  // namespace trt
}  // namespace dofa
