#include "trt/cuda_buffers.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/errors.h"

namespace dofa {
namespace {

struct Allocation {
  void* device = nullptr;
  bool mapped = false;
};

// Host pointer -> its device side. SharedBuffer's deleter is a plain function pointer, so the mapping lives in a
// process-wide table (plain memory bookkeeping, no N-API state: safe across worker_threads).
std::mutex& RegistryMutex() {
  static std::mutex mutex;
  return mutex;
}
std::unordered_map<const float*, Allocation>& Registry() {
  static std::unordered_map<const float*, Allocation> registry;
  return registry;
}

void FreeCudaShared(float* host) {
  Allocation allocation;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(host);
    if (it != Registry().end()) {
      allocation = it->second;
      Registry().erase(it);
    }
  }
  // Errors here cannot be reported (a finalizer may run this); the memory is gone either way at exit.
  if (allocation.device != nullptr && !allocation.mapped) static_cast<void>(cudaFree(allocation.device));
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
  Allocation allocation;
  if (integrated) {
    CheckCuda(cudaHostAlloc(&host, bytes, cudaHostAllocMapped), codes::kOutOfMemory,
              "cudaHostAlloc(mapped, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cudaHostGetDevicePointer(&allocation.device, host, 0);
    if (status != cudaSuccess) {
      static_cast<void>(cudaFreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaHostGetDevicePointer");
    }
    allocation.mapped = true;
  } else {
    CheckCuda(cudaHostAlloc(&host, bytes, cudaHostAllocDefault), codes::kOutOfMemory,
              "cudaHostAlloc(pinned, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cudaMalloc(&allocation.device, bytes);
    if (status == cudaSuccess) static_cast<void>(cudaMemset(allocation.device, 0, bytes));
    if (status != cudaSuccess) {
      static_cast<void>(cudaFreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaMalloc(" + std::to_string(bytes) + " bytes)");
    }
  }
  std::memset(host, 0, bytes);
  auto* data = static_cast<float*>(host);
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    Registry()[data] = allocation;
  }
  return std::make_shared<SharedBuffer>(data, floats, &FreeCudaShared);
}

bool LookupDeviceView(const float* host, DeviceView* view) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(host);
  if (it == Registry().end()) return false;
  view->device = it->second.device;
  view->mapped = it->second.mapped;
  return true;
}

}  // namespace dofa
