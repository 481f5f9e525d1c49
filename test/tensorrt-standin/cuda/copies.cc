// Work on streams: cudaMemcpy(Async), cudaMemset(Async), cudaLaunchHostFunc. The async forms queue and return at
// once; the synchronous forms go through the legacy default stream (waiting for the blocking streams first) and
// are done when they return.
#include <cstring>

#include "cuda/memory.h"
#include "cuda/runtime.h"
#include "cuda/stream.h"

namespace dofa_standin {
namespace cuda {
namespace {

// Checks a copy's arguments against the memory it claims to touch (cudaErrorInvalidValue for device memory outside
// any allocation) and makes its op. cudaMemcpyDefault infers the direction from the pointers, so only the
// explicit directions are checked.
cudaError_t MakeCopy(void* dst, const void* src, size_t count, cudaMemcpyKind kind, Op* op) {
  bool dstOnDevice = false;
  bool srcOnDevice = false;
  switch (kind) {
    case cudaMemcpyHostToHost:
    case cudaMemcpyDefault:
      break;
    case cudaMemcpyHostToDevice:
      dstOnDevice = true;
      break;
    case cudaMemcpyDeviceToHost:
      srcOnDevice = true;
      break;
    case cudaMemcpyDeviceToDevice:
      dstOnDevice = srcOnDevice = true;
      break;
    default:
      return Fail(cudaErrorInvalidMemcpyDirection);
  }
  if (count == 0) {
    op->work = [] {};
    return cudaSuccess;
  }
  if (dst == nullptr || src == nullptr) return Fail(cudaErrorInvalidValue);
  if ((dstOnDevice && !IsDeviceAccessible(dst, count)) || (srcOnDevice && !IsDeviceAccessible(src, count))) {
    return Fail(cudaErrorInvalidValue);
  }
  if (dstOnDevice) op->ranges[0] = DeviceRange{dst, count};
  if (srcOnDevice) op->ranges[1] = DeviceRange{src, count};
  op->work = [dst, src, count] { std::memmove(dst, src, count); };
  return cudaSuccess;
}

cudaError_t MakeMemset(void* devPtr, int value, size_t count, Op* op) {
  if (count == 0) {
    op->work = [] {};
    return cudaSuccess;
  }
  if (!IsDeviceAccessible(devPtr, count)) return Fail(cudaErrorInvalidValue);
  op->ranges[0] = DeviceRange{devPtr, count};
  op->work = [devPtr, value, count] { std::memset(devPtr, value, count); };
  return cudaSuccess;
}

cudaError_t SubmitOne(cudaStream_t stream, Op op) {
  std::vector<Op> ops;
  ops.push_back(std::move(op));
  return Submit(stream, std::move(ops));
}

}  // namespace
}  // namespace cuda
}  // namespace dofa_standin

using dofa_standin::cuda::Fail;
using dofa_standin::cuda::Needs;
using dofa_standin::cuda::Op;

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMemcpy(void* dst, const void* src, size_t count, enum cudaMemcpyKind kind) {
  STANDIN_ENTER("cudaMemcpy", cudaErrorLaunchFailure, Needs::kContext);
  const cudaError_t unsafe = dofa_standin::cuda::CheckCaptureSafe();
  if (unsafe != cudaSuccess) return unsafe;
  Op op;
  const cudaError_t made = dofa_standin::cuda::MakeCopy(dst, src, count, kind, &op);
  if (made != cudaSuccess) return made;
  return dofa_standin::cuda::SubmitOne(nullptr, std::move(op));
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMemcpyAsync(void* dst, const void* src, size_t count,
                                                          enum cudaMemcpyKind kind, cudaStream_t stream) {
  STANDIN_ENTER("cudaMemcpyAsync", cudaErrorLaunchFailure, Needs::kContext);
  Op op;
  const cudaError_t made = dofa_standin::cuda::MakeCopy(dst, src, count, kind, &op);
  if (made != cudaSuccess) return made;
  return dofa_standin::cuda::SubmitOne(stream, std::move(op));
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMemset(void* devPtr, int value, size_t count) {
  STANDIN_ENTER("cudaMemset", cudaErrorLaunchFailure, Needs::kContext);
  const cudaError_t unsafe = dofa_standin::cuda::CheckCaptureSafe();
  if (unsafe != cudaSuccess) return unsafe;
  Op op;
  const cudaError_t made = dofa_standin::cuda::MakeMemset(devPtr, value, count, &op);
  if (made != cudaSuccess) return made;
  return dofa_standin::cuda::SubmitOne(nullptr, std::move(op));
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaMemsetAsync(void* devPtr, int value, size_t count, cudaStream_t stream) {
  STANDIN_ENTER("cudaMemsetAsync", cudaErrorLaunchFailure, Needs::kContext);
  Op op;
  const cudaError_t made = dofa_standin::cuda::MakeMemset(devPtr, value, count, &op);
  if (made != cudaSuccess) return made;
  return dofa_standin::cuda::SubmitOne(stream, std::move(op));
}

// `fn` runs on the stream's thread (on the caller's for the legacy stream), in order with the stream's other work.
// As in CUDA, it must not call CUDA (such calls fail with cudaErrorNotPermitted). It is not called once the device
// is lost, nor when the process exits before the stream reaches it.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t fn, void* userData) {
  STANDIN_ENTER("cudaLaunchHostFunc", cudaErrorLaunchFailure, Needs::kContext);
  if (fn == nullptr) return Fail(cudaErrorInvalidValue);
  Op op;
  op.work = [fn, userData] { fn(userData); };
  return dofa_standin::cuda::SubmitOne(stream, std::move(op));
}
