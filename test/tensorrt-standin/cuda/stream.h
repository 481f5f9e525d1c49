// Streams: each created stream is an ordered queue run by a thread of its own, so asynchronous work really happens
// later, on another thread, and only a synchronization makes its results visible. A stream can instead be capturing:
// its work is then recorded as graph nodes, not run. The legacy default stream runs its work on the caller's thread.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dofa_standin {
namespace cuda {

class Event;

// Device memory a copy or memset touches: checked when it is queued, and again when a graph replays it.
struct DeviceRange {
  const void* pointer = nullptr;
  size_t bytes = 0;
};

// One unit of stream work: as queued, or as a graph node (then `generation` is not yet set).
struct Op {
  enum class Kind {
    kWork,    // a copy, memset or host function (`work`); dropped once the device is lost
    kRecord,  // completes `event`
    kWait,    // waits until `event` completes the recording that was the latest when this was queued
  };
  Kind kind = Kind::kWork;
  std::function<void()> work;
  std::shared_ptr<Event> event;
  uint64_t generation = 0;  // which recording of `event` (set when queued)
  DeviceRange ranges[2];
};

class Stream {
 public:
  explicit Stream(unsigned flags);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Without cudaStreamNonBlocking a stream synchronizes with the legacy default stream.
  bool blocking() const { return (flags_ & cudaStreamNonBlocking) == 0; }

  // Queues `ops` (their event generations resolved now), or records them while capturing. The first op queued
  // on an idle stream starts after the configured delay, so that a missing synchronization reads stale data.
  cudaError_t Enqueue(std::vector<Op> ops);
  // Waits until all work queued before the call has run. Fails, and invalidates the capture, while capturing.
  cudaError_t Synchronize();
  // Waits as Synchronize() does, whatever the capture state (device-wide waits, destruction).
  void Drain();
  // Drains, then ends the stream's thread. Later Enqueue() calls fail.
  void Stop();

  cudaError_t BeginCapture(cudaStreamCaptureMode mode);
  // Ends the capture: `*ops` receives the recorded work. Errors: not capturing, wrong thread, invalidated.
  cudaError_t EndCapture(std::vector<Op>* ops);
  // Ends any capture, discarding it (a failed or injected cudaStreamEndCapture).
  void AbandonCapture();
  cudaStreamCaptureStatus CaptureStatus();
  // Invalidates this stream's capture if a potentially unsafe call from `caller` violates its mode. True if so.
  bool InvalidateForUnsafeCall(std::thread::id caller);
  // Invalidates this stream's capture if it is a blocking stream (the legacy stream cannot depend on it).
  bool InvalidateForLegacyStream();

 private:
  struct Pending {
    Op op;
    std::chrono::steady_clock::time_point notBefore;
  };
  struct Capture {
    std::vector<Op> ops;
    cudaStreamCaptureMode mode = cudaStreamCaptureModeGlobal;
    std::thread::id thread;
    bool invalidated = false;
  };

  void Run();
  void EndCaptureLocked();

  const unsigned flags_;
  std::mutex mutex_;
  std::condition_variable workArrived_;
  std::condition_variable workDone_;
  std::deque<Pending> queue_;
  bool running_ = false;  // the thread is running (or waiting to start) an op it took off the queue
  bool stopping_ = false;
  uint64_t queued_ = 0;     // ops ever queued
  uint64_t completed_ = 0;  // ops ever run (or dropped)
  std::unique_ptr<Capture> capture_;
  std::thread thread_;  // started last, once the members it uses exist
};

bool IsLegacyStream(cudaStream_t stream);

// Queues `ops` on `stream`: a created stream queues them (or records them while capturing); the legacy default
// stream (0, cudaStreamLegacy, cudaStreamPerThread) first waits for every blocking stream, then runs them on the
// caller's thread. Errors: cudaErrorInvalidResourceHandle, capture errors. Records the error.
cudaError_t Submit(cudaStream_t stream, std::vector<Op> ops);

// Runs one op here and now (a stream's thread, or the caller's for the legacy stream).
void Execute(Op& op);

// Waits for every stream's queued work, or only the blocking streams'.
void WaitForStreams(bool blockingOnly);

// Whether a potentially unsafe call (allocation, free, synchronous copy, device synchronization) may be made now:
// not while this thread captures in global or thread-local mode, nor while another thread captures in global mode.
// cudaErrorStreamCaptureUnsupported (recorded) invalidates such captures, as CUDA does.
cudaError_t CheckCaptureSafe();
// Same for the legacy default stream: cudaErrorStreamCaptureImplicit if a blocking stream is capturing.
cudaError_t CheckLegacyStreamSafe();

// Captures in progress, process-wide (so the checks above cost nothing when there are none).
std::atomic<int>& ActiveCaptures();

}  // namespace cuda
}  // namespace dofa_standin
