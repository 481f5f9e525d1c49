// What the stand-in CUDA runtime's entry points share (cuda/*.cc): the per-thread error state, the common start of
// every call (fault injection, no device, the context), the device model and the live-object counters.
// See cuda/README.md for what the stand-in models and where it knowingly differs from CUDA.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "common/faults.h"

// Defines a CUDA runtime function through the headers' own declaration (so CUDA 12's
// `#define cudaGetDeviceProperties cudaGetDeviceProperties_v2` picks the exported name) and exports it: the
// library is built with -fvisibility=hidden, and only CUDA's names (plus the stats functions) may be visible.
#define STANDIN_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace dofa_standin {
namespace cuda {

// Records `status` as this thread's last error unless it is cudaSuccess (a successful call leaves the last error
// alone, as in CUDA), and returns it.
cudaError_t Fail(cudaError_t status);

enum class Needs {
  kNothing,  // works without a device (versions, device count)
  kDevice,   // fails with cudaErrorNoDevice without one (device queries)
  kContext,  // also creates the context (allocations, streams, events, graphs, copies)
};

// The start of every entry point. cudaSuccess: go on. Otherwise the error the call returns, already recorded:
// cudaErrorNotPermitted from stream work (a host function must not call CUDA); `injected` when a fault rule fires
// for `name`, or the sticky cudaErrorDevicesUnavailable once the device is lost; cudaErrorNoDevice.
cudaError_t Enter(const char* name, cudaError_t injected, Needs needs);

// The start of a function that releases something (free, destroy, end a capture). An injected fault or a lost device
// still releases it and then returns the error, as CUDA does when such a call reports an earlier asynchronous error:
// so a program can always close cleanly. `*release` is false only when the call is refused outright.
cudaError_t EnterRelease(const char* name, cudaError_t injected, bool* release);

#define STANDIN_ENTER(name, injected, needs)                                               \
  do {                                                                                     \
    const cudaError_t standinEntered = ::dofa_standin::cuda::Enter(name, injected, needs); \
    if (standinEntered != cudaSuccess) return standinEntered;                              \
  } while (0)

// While it exists, this thread runs stream work (a host function, a copy): CUDA calls from it are refused, and
// waiting for streams from it would deadlock.
class StreamWorkScope {
 public:
  StreamWorkScope();
  ~StreamWorkScope();
  StreamWorkScope(const StreamWorkScope&) = delete;
  StreamWorkScope& operator=(const StreamWorkScope&) = delete;
};

// Prints that the environment variable's value is not understood, and aborts: a misspelt setting must not quietly
// test something else.
[[noreturn]] void BadSetting(const char* variable, const std::string& value, const char* expected);

// The device DYNAMIC_OFA_STANDIN_DEVICE describes (cuda/device.cc). Without one (`none`) HasDevice() is false.
bool HasDevice();
const cudaDeviceProp& DeviceProperties();
// Creates the context (once): from then on cudaSetDeviceFlags fails with cudaErrorSetOnActiveProcess.
void EnsureContext();

// Live objects, for leak checks (dynamicOfaStandinCudaStats). Atomics, so that reading them never takes a lock
// (they are also read at exit, when another thread may hold any lock).
struct Counters {
  std::atomic<int64_t> deviceAllocations{0};
  std::atomic<int64_t> deviceBytes{0};
  std::atomic<int64_t> hostAllocations{0};
  std::atomic<int64_t> hostBytes{0};
  std::atomic<int64_t> streams{0};
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> graphs{0};
  std::atomic<int64_t> graphExecs{0};
  std::atomic<int64_t> pendingOperations{0};  // queued on streams, not yet run
  std::atomic<bool> context{false};
  std::atomic<unsigned> deviceFlags{0};
};
Counters& Live();

}  // namespace cuda
}  // namespace dofa_standin
