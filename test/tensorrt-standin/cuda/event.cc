// cudaEvent* and cudaStreamWaitEvent.
#include "cuda/event.h"

#include <new>

#include "cuda/handles.h"
#include "cuda/runtime.h"
#include "cuda/stream.h"

using dofa_standin::cuda::Event;
using dofa_standin::cuda::Fail;
using dofa_standin::cuda::Live;
using dofa_standin::cuda::Needs;
using dofa_standin::cuda::Op;
using dofa_standin::cuda::Registry;

namespace {

constexpr unsigned kEventFlags = cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;

cudaError_t CreateEvent(const char* name, cudaEvent_t* event, unsigned int flags) {
  STANDIN_ENTER(name, cudaErrorMemoryAllocation, Needs::kContext);
  if (event == nullptr || (flags & ~kEventFlags) != 0) return Fail(cudaErrorInvalidValue);
  // CUDA requires interprocess events to be created without timing.
  if ((flags & cudaEventInterprocess) != 0 && (flags & cudaEventDisableTiming) == 0) return Fail(cudaErrorInvalidValue);
  try {
    *event = static_cast<cudaEvent_t>(Registry<Event>().Add(std::make_shared<Event>(flags)));
  } catch (const std::bad_alloc&) {
    return Fail(cudaErrorMemoryAllocation);
  }
  ++Live().events;
  return cudaSuccess;
}

// One op on `stream` that records or waits for `event`.
cudaError_t SubmitEventOp(Op::Kind kind, cudaEvent_t event, cudaStream_t stream) {
  Op op;
  op.kind = kind;
  op.event = Registry<Event>().Find(event);
  if (!op.event) return Fail(cudaErrorInvalidResourceHandle);
  std::vector<Op> ops;
  ops.push_back(std::move(op));
  return dofa_standin::cuda::Submit(stream, std::move(ops));
}

}  // namespace

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventCreate(cudaEvent_t* event) {
  return CreateEvent("cudaEventCreate", event, cudaEventDefault);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  return CreateEvent("cudaEventCreateWithFlags", event, flags);
}

// On a capturing stream this becomes a node of the graph (completing the event when the graph runs); the event's
// current state is untouched.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  STANDIN_ENTER("cudaEventRecord", cudaErrorLaunchFailure, Needs::kContext);
  return SubmitEventOp(Op::Kind::kRecord, event, stream);
}

// Work queued on `stream` after this waits for the event's latest recording as of now (none: no wait).
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags) {
  STANDIN_ENTER("cudaStreamWaitEvent", cudaErrorLaunchFailure, Needs::kContext);
  if ((flags & ~static_cast<unsigned>(cudaEventWaitExternal)) != 0) return Fail(cudaErrorInvalidValue);
  return SubmitEventOp(Op::Kind::kWait, event, stream);
}

// cudaErrorNotReady is a status, not an error: like CUDA, it does not become the last error.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventQuery(cudaEvent_t event) {
  STANDIN_ENTER("cudaEventQuery", cudaErrorLaunchFailure, Needs::kContext);
  const std::shared_ptr<Event> target = Registry<Event>().Find(event);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  return target->Query().complete ? cudaSuccess : cudaErrorNotReady;
}

// Blocks (never spins, whatever the flags) until the latest recording is complete.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventSynchronize(cudaEvent_t event) {
  STANDIN_ENTER("cudaEventSynchronize", cudaErrorLaunchFailure, Needs::kContext);
  const std::shared_ptr<Event> target = Registry<Event>().Find(event);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  target->Synchronize();
  return cudaSuccess;
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  STANDIN_ENTER("cudaEventElapsedTime", cudaErrorLaunchFailure, Needs::kContext);
  if (ms == nullptr) return Fail(cudaErrorInvalidValue);
  const std::shared_ptr<Event> first = Registry<Event>().Find(start);
  const std::shared_ptr<Event> last = Registry<Event>().Find(end);
  if (!first || !last) return Fail(cudaErrorInvalidResourceHandle);
  // Events without timing, or never recorded, have no time to give (CUDA: invalid resource handle).
  if (((first->flags() | last->flags()) & cudaEventDisableTiming) != 0) return Fail(cudaErrorInvalidResourceHandle);
  const Event::State from = first->Query();
  const Event::State to = last->Query();
  if (!from.recorded || !to.recorded) return Fail(cudaErrorInvalidResourceHandle);
  if (!from.complete || !to.complete) return cudaErrorNotReady;
  *ms = std::chrono::duration<float, std::milli>(to.when - from.when).count();
  return cudaSuccess;
}

// Work already queued that records or waits for the event keeps it alive until it has run.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaEventDestroy(cudaEvent_t event) {
  bool release = false;
  const cudaError_t entered = dofa_standin::cuda::EnterRelease("cudaEventDestroy", cudaErrorLaunchFailure, &release);
  if (!release) return entered;
  if (!Registry<Event>().Take(event)) return entered != cudaSuccess ? entered : Fail(cudaErrorInvalidResourceHandle);
  --Live().events;
  return entered;
}
