#include "trt/cuda_buffers.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/errors.h"
#include "trt/trt_library.h"

namespace dofa {
namespace {

// Errors here cannot be reported (a finalizer may run this); the memory is gone either way at exit.
void FreeCudaShared(float* host, const DeviceView& device) {
  const trt::CudaApi& cuda = trt::Cuda();
  if (device.pointer != nullptr && !device.mapped) static_cast<void>(cuda.Free(device.pointer));
  static_cast<void>(cuda.FreeHost(host));
}

// Blocking synchronization: without it CUDA spins a CPU core in every synchronize while the GPU or DLA runs, which
// also inflates the CPU contention the runtime manager reacts to. The flag only takes effect before this process
// creates the device's context, so it is set on the first query, before any stream, buffer, builder or runtime;
// engines also wait on blocking-sync events, which block whatever the device flags are. Returns how it went.
std::string RequestBlockingSync(const trt::CudaApi& cuda) {
  static std::once_flag once;
  static std::string outcome;
  std::call_once(once, [&cuda] {
    const cudaError_t status = cuda.SetDeviceFlags(cudaDeviceScheduleBlockingSync | cudaDeviceMapHost);
    outcome = status == cudaSuccess ? "device flags" : std::string("events only (cudaSetDeviceFlags: ") + cuda.GetErrorName(status) + ")";
    static_cast<void>(cuda.GetLastError());
  });
  return outcome;
}

}  // namespace

void CheckCuda(cudaError_t status, const char* code, const std::string& what) {
  if (status == cudaSuccess) return;
  const trt::CudaApi& cuda = trt::Cuda();
  static_cast<void>(cuda.GetLastError());  // clear the sticky-free error state for the next call
  throw Error(code, what + ": " + cuda.GetErrorName(status) + " (" + cuda.GetErrorString(status) + ")");
}

CudaDeviceInfo QueryCudaDevice() {
  const trt::CudaApi& cuda = trt::Cuda();
  CudaDeviceInfo info;
  int count = 0;
  const cudaError_t status = cuda.GetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    static_cast<void>(cuda.GetLastError());
    throw Error(codes::kBackendUnavailable,
                std::string("no CUDA device is usable: ") +
                    (status != cudaSuccess ? cuda.GetErrorString(status) : "cudaGetDeviceCount reports 0 devices"));
  }
  info.blockingSync = RequestBlockingSync(cuda);
  CheckCuda(cuda.GetDevice(&info.ordinal), codes::kBackendUnavailable, "cudaGetDevice");
  cudaDeviceProp properties{};
  CheckCuda(cuda.GetDeviceProperties(&properties, info.ordinal), codes::kBackendUnavailable, "cudaGetDeviceProperties");
  info.name = properties.name;
  info.major = properties.major;
  info.minor = properties.minor;
  info.multiProcessors = properties.multiProcessorCount;
  info.integrated = properties.integrated != 0;
  info.canMapHostMemory = properties.canMapHostMemory != 0;
  info.totalMemory = properties.totalGlobalMem;
  const trt::Version runtime = trt::TensorRtRuntime().cudaRuntime;
  info.runtimeVersion = runtime.major * 1000 + runtime.minor * 10;
  static_cast<void>(cuda.DriverGetVersion(&info.driverVersion));
  return info;
}

std::shared_ptr<SharedBuffer> AllocateCudaShared(size_t floats, bool integrated) {
  const trt::CudaApi& cuda = trt::Cuda();
  // At least 256 bytes: TensorRT wants 256-byte aligned tensor addresses; cudaHostAlloc/cudaMalloc give page /
  // 256-byte alignment, and a zero-sized allocation would give no pointer at all.
  const size_t bytes = std::max<size_t>(256, ((floats * sizeof(float) + 255) / 256) * 256);
  void* host = nullptr;
  DeviceView device;
  if (integrated) {
    CheckCuda(cuda.HostAlloc(&host, bytes, cudaHostAllocMapped), codes::kOutOfMemory,
              "cudaHostAlloc(mapped, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cuda.HostGetDevicePointer(&device.pointer, host, 0);
    if (status != cudaSuccess) {
      static_cast<void>(cuda.FreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaHostGetDevicePointer");
    }
    device.mapped = true;
  } else {
    CheckCuda(cuda.HostAlloc(&host, bytes, cudaHostAllocDefault), codes::kOutOfMemory,
              "cudaHostAlloc(pinned, " + std::to_string(bytes) + " bytes)");
    const cudaError_t status = cuda.Malloc(&device.pointer, bytes);
    if (status == cudaSuccess) static_cast<void>(cuda.Memset(device.pointer, 0, bytes));
    if (status != cudaSuccess) {
      static_cast<void>(cuda.FreeHost(host));
      CheckCuda(status, codes::kOutOfMemory, "cudaMalloc(" + std::to_string(bytes) + " bytes)");
    }
  }
  std::memset(host, 0, bytes);
  return std::make_shared<SharedBuffer>(static_cast<float*>(host), floats, device, &FreeCudaShared);
}

}  // namespace dofa
