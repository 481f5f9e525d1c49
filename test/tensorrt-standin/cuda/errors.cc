// Error state and error text: the last error of each thread, the sticky error of a lost device, and the names and
// descriptions CUDA gives the errors the stand-in returns.
#include "cuda/runtime.h"

namespace dofa_standin {
namespace cuda {
namespace {

thread_local cudaError_t lastError = cudaSuccess;
thread_local int streamWorkDepth = 0;

struct ErrorText {
  cudaError_t code;
  const char* name;
  const char* description;  // CUDA's own wording, so that messages read as they would on a device
};

// Every error the stand-in returns, and the common ones callers might pass in.
constexpr ErrorText kErrors[] = {
    {cudaSuccess, "cudaSuccess", "no error"},
    {cudaErrorInvalidValue, "cudaErrorInvalidValue", "invalid argument"},
    {cudaErrorMemoryAllocation, "cudaErrorMemoryAllocation", "out of memory"},
    {cudaErrorInitializationError, "cudaErrorInitializationError", "initialization error"},
    {cudaErrorLaunchFailure, "cudaErrorLaunchFailure", "unspecified launch failure"},
    {cudaErrorInvalidDevice, "cudaErrorInvalidDevice", "invalid device ordinal"},
    {cudaErrorInvalidMemcpyDirection, "cudaErrorInvalidMemcpyDirection", "invalid copy direction for memcpy"},
    {cudaErrorInsufficientDriver, "cudaErrorInsufficientDriver",
     "CUDA driver version is insufficient for CUDA runtime version"},
    {cudaErrorNoDevice, "cudaErrorNoDevice", "no CUDA-capable device is detected"},
    {cudaErrorInvalidResourceHandle, "cudaErrorInvalidResourceHandle", "invalid resource handle"},
    {cudaErrorIllegalState, "cudaErrorIllegalState", "the operation cannot be performed in the present state"},
    {cudaErrorNotReady, "cudaErrorNotReady", "device not ready"},
    {cudaErrorIllegalAddress, "cudaErrorIllegalAddress", "an illegal memory access was encountered"},
    {cudaErrorSetOnActiveProcess, "cudaErrorSetOnActiveProcess", "cannot set while device is active in this process"},
    {cudaErrorDevicesUnavailable, "cudaErrorDevicesUnavailable", "CUDA-capable device(s) is/are busy or unavailable"},
    {cudaErrorNotPermitted, "cudaErrorNotPermitted", "operation not permitted"},
    {cudaErrorNotSupported, "cudaErrorNotSupported", "operation not supported"},
    {cudaErrorStreamCaptureUnsupported, "cudaErrorStreamCaptureUnsupported",
     "operation not permitted when stream is capturing"},
    {cudaErrorStreamCaptureInvalidated, "cudaErrorStreamCaptureInvalidated",
     "operation failed due to a previous error during capture"},
    {cudaErrorStreamCaptureImplicit, "cudaErrorStreamCaptureImplicit",
     "operation would make the legacy stream depend on a capturing blocking stream"},
    {cudaErrorStreamCaptureWrongThread, "cudaErrorStreamCaptureWrongThread",
     "attempt to terminate a thread-local capture sequence from another thread"},
    {cudaErrorUnknown, "cudaErrorUnknown", "unknown error"},
};

const ErrorText* Find(cudaError_t code) {
  for (const ErrorText& error : kErrors) {
    if (error.code == code) return &error;
  }
  return nullptr;
}

// What CUDA answers for a code it does not know, for the name and the description alike.
constexpr const char* kUnrecognized = "unrecognized error code";

}  // namespace

cudaError_t Fail(cudaError_t status) {
  if (status != cudaSuccess) lastError = status;
  return status;
}

cudaError_t Enter(const char* name, cudaError_t injected, Needs needs) {
  if (streamWorkDepth > 0) return Fail(cudaErrorNotPermitted);
  if (ShouldFail(name)) return Fail(DeviceLost() ? cudaErrorDevicesUnavailable : injected);
  if (needs != Needs::kNothing && !HasDevice()) return Fail(cudaErrorNoDevice);
  if (needs == Needs::kContext) EnsureContext();
  return cudaSuccess;
}

cudaError_t EnterRelease(const char* name, cudaError_t injected, bool* release) {
  const cudaError_t status = Enter(name, injected, Needs::kContext);
  *release = status != cudaErrorNotPermitted && status != cudaErrorNoDevice;
  return status;
}

StreamWorkScope::StreamWorkScope() { ++streamWorkDepth; }
StreamWorkScope::~StreamWorkScope() { --streamWorkDepth; }

}  // namespace cuda
}  // namespace dofa_standin

using dofa_standin::DeviceLost;
using dofa_standin::cuda::Find;
using dofa_standin::cuda::lastError;

// A lost device's error is sticky: it cannot be reset, as with CUDA's sticky errors.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGetLastError(void) {
  if (DeviceLost()) return cudaErrorDevicesUnavailable;
  const cudaError_t last = lastError;
  lastError = cudaSuccess;
  return last;
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaPeekAtLastError(void) {
  return DeviceLost() ? cudaErrorDevicesUnavailable : lastError;
}

STANDIN_CUDA_EXPORT const char* CUDARTAPI cudaGetErrorName(cudaError_t error) {
  const auto* text = Find(error);
  return text != nullptr ? text->name : dofa_standin::cuda::kUnrecognized;
}

STANDIN_CUDA_EXPORT const char* CUDARTAPI cudaGetErrorString(cudaError_t error) {
  const auto* text = Find(error);
  return text != nullptr ? text->description : dofa_standin::cuda::kUnrecognized;
}
