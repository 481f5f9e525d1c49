// cudaStream*: creation, destruction, synchronization and capture.
#include <new>
#include <system_error>

#include "cuda/graph.h"
#include "cuda/handles.h"
#include "cuda/runtime.h"
#include "cuda/stream.h"

using dofa_standin::cuda::Fail;
using dofa_standin::cuda::IsLegacyStream;
using dofa_standin::cuda::Live;
using dofa_standin::cuda::Needs;
using dofa_standin::cuda::Registry;
using dofa_standin::cuda::Stream;

namespace {

cudaError_t CreateStream(const char* name, cudaStream_t* pStream, unsigned int flags) {
  STANDIN_ENTER(name, cudaErrorMemoryAllocation, Needs::kContext);
  if (pStream == nullptr || (flags & ~static_cast<unsigned>(cudaStreamNonBlocking)) != 0) return Fail(cudaErrorInvalidValue);
  try {
    *pStream = static_cast<cudaStream_t>(Registry<Stream>().Add(std::make_shared<Stream>(flags)));
  } catch (const std::bad_alloc&) {
    return Fail(cudaErrorMemoryAllocation);
  } catch (const std::system_error&) {  // no thread for it
    return Fail(cudaErrorMemoryAllocation);
  }
  ++Live().streams;
  return cudaSuccess;
}

}  // namespace

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamCreate(cudaStream_t* pStream) {
  return CreateStream("cudaStreamCreate", pStream, cudaStreamDefault);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags) {
  return CreateStream("cudaStreamCreateWithFlags", pStream, flags);
}

// Waits for the stream's pending work, then ends its thread (CUDA returns at once and finishes the work later; the
// difference is not observable through the API).
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamDestroy(cudaStream_t stream) {
  bool release = false;
  const cudaError_t entered = dofa_standin::cuda::EnterRelease("cudaStreamDestroy", cudaErrorLaunchFailure, &release);
  if (!release) return entered;
  const std::shared_ptr<Stream> target = IsLegacyStream(stream) ? nullptr : Registry<Stream>().Take(stream);
  if (!target) return entered != cudaSuccess ? entered : Fail(cudaErrorInvalidResourceHandle);
  target->Stop();
  --Live().streams;
  return entered;
}

// The legacy stream's work has run by the time its calls return: synchronizing it waits for nothing (it does not
// wait for other streams either, as in CUDA).
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamSynchronize(cudaStream_t stream) {
  STANDIN_ENTER("cudaStreamSynchronize", cudaErrorLaunchFailure, Needs::kContext);
  if (IsLegacyStream(stream)) return dofa_standin::cuda::CheckLegacyStreamSafe();
  const std::shared_ptr<Stream> target = Registry<Stream>().Find(stream);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  return target->Synchronize();
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamBeginCapture(cudaStream_t stream, enum cudaStreamCaptureMode mode) {
  STANDIN_ENTER("cudaStreamBeginCapture", cudaErrorStreamCaptureUnsupported, Needs::kContext);
  if (mode != cudaStreamCaptureModeGlobal && mode != cudaStreamCaptureModeThreadLocal &&
      mode != cudaStreamCaptureModeRelaxed) {
    return Fail(cudaErrorInvalidValue);
  }
  if (IsLegacyStream(stream)) return Fail(cudaErrorStreamCaptureUnsupported);  // the legacy stream cannot be captured
  const std::shared_ptr<Stream> target = Registry<Stream>().Find(stream);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  return target->BeginCapture(mode);
}

// A failure ends the capture with a null graph: an injected fault too, so that the stream is usable afterwards.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* pGraph) {
  bool release = false;
  const cudaError_t entered =
      dofa_standin::cuda::EnterRelease("cudaStreamEndCapture", cudaErrorStreamCaptureInvalidated, &release);
  if (pGraph != nullptr) *pGraph = nullptr;
  if (!release) return entered;
  const std::shared_ptr<Stream> target = IsLegacyStream(stream) ? nullptr : Registry<Stream>().Find(stream);
  if (!target) return entered != cudaSuccess ? entered : Fail(cudaErrorInvalidResourceHandle);
  if (entered != cudaSuccess) {
    target->AbandonCapture();
    return entered;
  }
  if (pGraph == nullptr) return Fail(cudaErrorInvalidValue);
  std::vector<dofa_standin::cuda::Op> ops;
  const cudaError_t ended = target->EndCapture(&ops);
  if (ended != cudaSuccess) return ended;
  *pGraph = dofa_standin::cuda::NewGraph(std::move(ops));
  return *pGraph != nullptr ? cudaSuccess : Fail(cudaErrorMemoryAllocation);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaStreamIsCapturing(cudaStream_t stream,
                                                                 enum cudaStreamCaptureStatus* pCaptureStatus) {
  STANDIN_ENTER("cudaStreamIsCapturing", cudaErrorLaunchFailure, Needs::kContext);
  if (pCaptureStatus == nullptr) return Fail(cudaErrorInvalidValue);
  if (IsLegacyStream(stream)) {
    *pCaptureStatus = cudaStreamCaptureStatusNone;
    return cudaSuccess;
  }
  const std::shared_ptr<Stream> target = Registry<Stream>().Find(stream);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  *pCaptureStatus = target->CaptureStatus();
  return cudaSuccess;
}
