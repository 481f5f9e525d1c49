// cudaMalloc / cudaFree, cudaHostAlloc / cudaMallocHost / cudaFreeHost, cudaHostGetDevicePointer.
//
// Device memory is host memory, 256-byte aligned as cudaMalloc's; pinned host memory is page-aligned. New memory is
// filled with 0xFF bytes (a NaN as float), since neither is zeroed by CUDA: reading memory nobody wrote shows.
// Only mapped host memory (cudaHostAllocMapped) has a device pointer, which is the host pointer (unified
// addressing). With unified addressing a real GPU could often use unmapped pinned memory too; the stand-in refuses,
// so that code relying on it is caught.
#include "cuda/memory.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>

#include "cuda/runtime.h"
#include "cuda/stream.h"

namespace dofa_standin {
namespace cuda {
namespace {

struct Allocation {
  size_t bytes = 0;
  bool host = false;    // cudaHostAlloc / cudaMallocHost, else cudaMalloc
  bool mapped = false;  // host memory with a device pointer
};

struct Memory {
  std::mutex mutex;
  std::map<uintptr_t, Allocation> allocations;  // by start address
  size_t deviceBytes = 0;
};

Memory& TheMemory() {
  static Memory* memory = new Memory();  // never destroyed: stream threads may use it while the process exits
  return *memory;
}

constexpr size_t kDeviceAlignment = 256;
constexpr unsigned char kPoison = 0xFF;

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// The allocation containing [pointer, pointer + bytes), if any. Called with the mutex held.
const Allocation* Containing(const Memory& memory, const void* pointer, size_t bytes) {
  const auto address = reinterpret_cast<uintptr_t>(pointer);
  auto next = memory.allocations.upper_bound(address);
  if (next == memory.allocations.begin()) return nullptr;
  const auto& [start, allocation] = *std::prev(next);
  const uintptr_t offset = address - start;
  return offset <= allocation.bytes && bytes <= allocation.bytes - offset ? &allocation : nullptr;
}

cudaError_t Allocate(void** pointer, size_t bytes, bool host, bool mapped) {
  *pointer = nullptr;
  if (bytes == 0) return cudaSuccess;  // as CUDA: success, and a null pointer
  Memory& memory = TheMemory();
  const size_t alignment = host ? PageSize() : kDeviceAlignment;
  const size_t total = DeviceProperties().totalGlobalMem;
  if (bytes > total) return Fail(cudaErrorMemoryAllocation);
  {
    // The device's memory is finite: cudaMalloc beyond totalGlobalMem fails, as it would on the device.
    std::lock_guard<std::mutex> lock(memory.mutex);
    if (!host && memory.deviceBytes + bytes > total) return Fail(cudaErrorMemoryAllocation);
    if (!host) memory.deviceBytes += bytes;
  }
  const size_t rounded = (bytes + alignment - 1) / alignment * alignment;
  void* block = nullptr;
  if (posix_memalign(&block, alignment, rounded) != 0) {
    std::lock_guard<std::mutex> lock(memory.mutex);
    if (!host) memory.deviceBytes -= bytes;
    return Fail(cudaErrorMemoryAllocation);
  }
  std::memset(block, kPoison, rounded);
  {
    std::lock_guard<std::mutex> lock(memory.mutex);
    memory.allocations[reinterpret_cast<uintptr_t>(block)] = Allocation{bytes, host, mapped};
  }
  Counters& live = Live();
  ++(host ? live.hostAllocations : live.deviceAllocations);
  (host ? live.hostBytes : live.deviceBytes) += static_cast<int64_t>(bytes);
  *pointer = block;
  return cudaSuccess;
}

// Frees an allocation of the given kind that starts at `pointer`. CUDA's frees synchronize the device first, so work
// still queued never touches freed memory; so do these.
cudaError_t Release(void* pointer, bool host) {
  if (pointer == nullptr) return cudaSuccess;
  WaitForStreams(/*blockingOnly=*/false);
  Memory& memory = TheMemory();
  Allocation allocation;
  {
    std::lock_guard<std::mutex> lock(memory.mutex);
    const auto found = memory.allocations.find(reinterpret_cast<uintptr_t>(pointer));
    if (found == memory.allocations.end() || found->second.host != host) return Fail(cudaErrorInvalidValue);
    allocation = found->second;
    memory.allocations.erase(found);
    if (!host) memory.deviceBytes -= allocation.bytes;
  }
  std::free(pointer);
  Counters& live = Live();
  --(host ? live.hostAllocations : live.deviceAllocations);
  (host ? live.hostBytes : live.deviceBytes) -= static_cast<int64_t>(allocation.bytes);
  return cudaSuccess;
}

cudaError_t HostAllocate(const char* name, void** pHost, size_t size, unsigned int flags) {
  STANDIN_ENTER(name, cudaErrorMemoryAllocation, Needs::kContext);
  constexpr unsigned kFlags = cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined;
  if (pHost == nullptr || (flags & ~kFlags) != 0) return Fail(cudaErrorInvalidValue);
  const bool mapped = (flags & cudaHostAllocMapped) != 0;
  if (mapped && DeviceProperties().canMapHostMemory == 0) return Fail(cudaErrorInvalidValue);
  const cudaError_t unsafe = CheckCaptureSafe();
  if (unsafe != cudaSuccess) return unsafe;
  return Allocate(pHost, size, /*host=*/true, mapped);
}

cudaError_t Free(const char* name, void* pointer, bool host) {
  bool release = false;
  const cudaError_t entered = EnterRelease(name, cudaErrorLaunchFailure, &release);
  if (!release) return entered;
  // Freeing during a capture is refused (and breaks the capture) as in CUDA; but a call that already reports an
  // error frees, so that a program can close after a lost device.
  if (entered == cudaSuccess) {
    const cudaError_t unsafe = CheckCaptureSafe();
    if (unsafe != cudaSuccess) return unsafe;
  }
  const cudaError_t released = Release(pointer, host);
  return entered != cudaSuccess ? entered : released;
}

}  // namespace

bool IsDeviceAccessible(const void* pointer, size_t bytes) {
  if (bytes == 0) return true;
  Memory& memory = TheMemory();
  std::lock_guard<std::mutex> lock(memory.mutex);
  const Allocation* allocation = Containing(memory, pointer, bytes);
  return allocation != nullptr && (!allocation->host || allocation->mapped);
}

}  // namespace cuda
}  // namespace dofa_standin

using dofa_standin::cuda::Fail;
using dofa_standin::cuda::Needs;

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMalloc(void** devPtr, size_t size) {
  STANDIN_ENTER("cudaMalloc", cudaErrorMemoryAllocation, Needs::kContext);
  if (devPtr == nullptr) return Fail(cudaErrorInvalidValue);
  const cudaError_t unsafe = dofa_standin::cuda::CheckCaptureSafe();
  if (unsafe != cudaSuccess) return unsafe;
  return dofa_standin::cuda::Allocate(devPtr, size, /*host=*/false, /*mapped=*/false);
}

// cudaFree(nullptr) succeeds (and, as in CUDA, creates the context).
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaFree(void* devPtr) {
  return dofa_standin::cuda::Free("cudaFree", devPtr, /*host=*/false);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaHostAlloc(void** pHost, size_t size, unsigned int flags) {
  return dofa_standin::cuda::HostAllocate("cudaHostAlloc", pHost, size, flags);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMallocHost(void** ptr, size_t size) {
  return dofa_standin::cuda::HostAllocate("cudaMallocHost", ptr, size, cudaHostAllocDefault);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaFreeHost(void* ptr) {
  return dofa_standin::cuda::Free("cudaFreeHost", ptr, /*host=*/true);
}

// Any address inside a mapped allocation has a device pointer (the same address). Unmapped memory has none here.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaHostGetDevicePointer(void** pDevice, void* pHost, unsigned int flags) {
  STANDIN_ENTER("cudaHostGetDevicePointer", cudaErrorInvalidValue, Needs::kContext);
  if (pDevice == nullptr || flags != 0) return Fail(cudaErrorInvalidValue);
  *pDevice = nullptr;
  auto& memory = dofa_standin::cuda::TheMemory();
  std::lock_guard<std::mutex> lock(memory.mutex);
  const auto* allocation = dofa_standin::cuda::Containing(memory, pHost, 1);
  if (allocation == nullptr || !allocation->host || !allocation->mapped) return Fail(cudaErrorInvalidValue);
  *pDevice = pHost;
  return cudaSuccess;
}
