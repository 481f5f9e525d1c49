#include "trt/cuda_buffers.h"

#include <algorithm>
#include <cstring>

#include "core/errors.h"

namespace dofa {
namespace {

// Errors here cannot be reported (a finalizer may run this); the memory is gone either way at exit.
void FreeCudaShared(float* host, const DeviceView& device) {
  if (device.pointer != nullptr && !device.mapped) static_cast<void>(cudaFree(device.pointer));
  static_cast<void>(cudaFreeHost(host));
}

}  // namespace

void CheckCuda(cudaError_t status, const char* code, const std::string& what) {
  if (status == cudaSuccess) return;
  static_cast<void>(cudaGetLastError());  // clear the sticky-free error state for the next call
  throw Error(code, what + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

CudaDeviceInfo QueryCudaDevice() {
  CudaDeviceInfo info;
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    static_cast<void>(cudaGetLastError());
    throw Error(codes::kBackendUnavailable,
                std::string("no CUDA device is usable: ") +
                    (status != cudaSuccess ? cudaGetErrorString(status) : "cudaGetDeviceCount reports 0 devices"));
  }
  CheckCuda(cudaGetDevice(&info.ordinal), codes::kBackendUnavailable, "cudaGetDevice");
  cudaDeviceProp properties{};
  CheckCuda(cudaGetDeviceProperties(&properties, info.ordinal), codes::kBackendUnavailable, "cudaGetDeviceProperties");
  info.name = properties.name;
  info.major = properties.major;
  info.minor = properties.minor;
  info.multiProcessors = properties.multiProcessorCount;
  info.integrated = properties.integrated != 0;
  info.canMapHostMemory = properties.canMapHostMemory != 0;
  info.totalMemory = properties.totalGlobalMem;
  static_cast<void>(cudaRuntimeGetVersion(&info.runtimeVersion));
  static_cast<void>(cudaDriverGetVersion(&info.driverVersion));
  return info;
}

std::shared_ptr<SharedBuffer> AllocateCudaShared(size_t floats, bool integrated) {
  // At least 256 bytes: TensorRT wants 256-byte aligned tensor addresses; cudaHostAlloc/cudaMalloc give page /
  // 256-byte alignment, and a zero-sized allocation would give no pointer at all.
  const size_t bytes = std::max<size_t>(256, ((floats * sizeof(float) + 255) / 256) * 256);
  void* host = nullptr;
  DeviceView device;
  if (integrated) {
    CheckCuda(cudaHostAlloc(&host, bytes, cudaHostAllocMapped), codes::kOutOfMemory,
              "cudaHostAlloc(mapped, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cudaHostGetDevicePointer(&device.pointer, host, 0);
    if (status != cudaSuccess) {
      static_cast<void>(cudaFreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaHostGetDevicePointer");
    }
    device.mapped = true;
  } else {
    CheckCuda(cudaHostAlloc(&host, bytes, cudaHostAllocDefault), codes::kOutOfMemory,
              "cudaHostAlloc(pinned, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cudaMalloc(&device.pointer, bytes);
    if (status == cudaSuccess) static_cast<void>(cudaMemset(device.pointer, 0, bytes));
    if (status != cudaSuccess) {
      static_cast<void>(cudaFreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaMalloc(" + std::to_string(bytes) + " bytes)");
    }
  }
  std::memset(host, 0, bytes);
  return std::make_shared<SharedBuffer>(static_cast<float*>(host), floats, device, &FreeCudaShared);
}

}  // namespace dofa
