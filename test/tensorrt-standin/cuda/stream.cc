#include "cuda/stream.h"

#include <cstdlib>
#include <string>

#include "cuda/event.h"
#include "cuda/handles.h"
#include "cuda/runtime.h"

namespace dofa_standin {
namespace cuda {
namespace {

// How long the first op queued on an idle stream waits before it runs: long enough that the host, reading right
// after queuing, reliably sees the old data when it forgot to synchronize.
std::chrono::microseconds StartDelay() {
  static const std::chrono::microseconds delay = [] {
    const std::string text = Env("DYNAMIC_OFA_STANDIN_STREAM_DELAY_US", "200");
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || text[0] == '-') {
      BadSetting("DYNAMIC_OFA_STANDIN_STREAM_DELAY_US", text, "microseconds, e.g. 200");
    }
    return std::chrono::microseconds(value);
  }();
  return delay;
}

// Set when the process exits (atexit): stream threads then drop their remaining work instead of running host
// functions against a process that is tearing down. Nothing waits for them at exit; the process ends them.
std::atomic<bool> exiting{false};

void WatchExit() {
  static std::once_flag once;
  std::call_once(once, [] { std::atexit([] { exiting = true; }); });
}

void ResolveGeneration(Op* op) {
  if (op->kind == Op::Kind::kRecord) op->generation = op->event->Arm();
  if (op->kind == Op::Kind::kWait) op->generation = op->event->Recorded();
}

}  // namespace

std::atomic<int>& ActiveCaptures() {
  static std::atomic<int> captures{0};
  return captures;
}

Stream::Stream(unsigned flags) : flags_(flags) {
  WatchExit();
  thread_ = std::thread([this] { Run(); });
}

// Streams are stopped by cudaStreamDestroy; this only covers a stream that was never registered.
Stream::~Stream() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) Stop();
  if (thread_.joinable()) thread_.detach();
}

void Stream::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    workArrived_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued has run
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    running_ = true;
    lock.unlock();
    const bool drop = exiting.load() && next.op.kind == Op::Kind::kWork;
    if (!drop) {
      std::this_thread::sleep_until(next.notBefore);  // returns at once for the default (past) time
      Execute(next.op);
    }
    next.op = Op();  // releases what the op held (an event, a host function's state) outside the lock
    --Live().pendingOperations;
    lock.lock();
    running_ = false;
    ++completed_;
    workDone_.notify_all();
  }
}

cudaError_t Stream::Enqueue(std::vector<Op> ops) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return Fail(cudaErrorInvalidResourceHandle);
  if (capture_) {
    if (capture_->invalidated) return Fail(cudaErrorStreamCaptureInvalidated);
    for (Op& op : ops) {
      op.generation = 0;
      capture_->ops.push_back(std::move(op));
    }
    return cudaSuccess;
  }
  const bool idle = queue_.empty() && !running_;
  const auto start = idle ? std::chrono::steady_clock::now() + StartDelay() : std::chrono::steady_clock::time_point();
  for (size_t i = 0; i < ops.size(); ++i) {
    ResolveGeneration(&ops[i]);
    queue_.push_back(Pending{std::move(ops[i]), i == 0 ? start : std::chrono::steady_clock::time_point()});
  }
  queued_ += ops.size();
  Live().pendingOperations += static_cast<int64_t>(ops.size());
  lock.unlock();
  workArrived_.notify_one();
  return cudaSuccess;
}

cudaError_t Stream::Synchronize() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (capture_) {
    capture_->invalidated = true;
    return Fail(cudaErrorStreamCaptureUnsupported);
  }
  const uint64_t target = queued_;
  workDone_.wait(lock, [&] { return completed_ >= target; });
  return cudaSuccess;
}

void Stream::Drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = queued_;
  workDone_.wait(lock, [&] { return completed_ >= target; });
}

void Stream::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (capture_) EndCaptureLocked();
  }
  workArrived_.notify_all();
  if (thread_.joinable()) thread_.join();  // the thread leaves once the queue is empty
}

cudaError_t Stream::BeginCapture(cudaStreamCaptureMode mode) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return Fail(cudaErrorInvalidResourceHandle);
  if (capture_) return Fail(cudaErrorIllegalState);
  capture_ = std::make_unique<Capture>();
  capture_->mode = mode;
  capture_->thread = std::this_thread::get_id();
  ++ActiveCaptures();
  return cudaSuccess;
}

cudaError_t Stream::EndCapture(std::vector<Op>* ops) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!capture_) return Fail(cudaErrorIllegalState);
  if (capture_->mode != cudaStreamCaptureModeRelaxed && capture_->thread != std::this_thread::get_id()) {
    return Fail(cudaErrorStreamCaptureWrongThread);
  }
  const bool invalidated = capture_->invalidated;
  *ops = std::move(capture_->ops);
  EndCaptureLocked();
  return invalidated ? Fail(cudaErrorStreamCaptureInvalidated) : cudaSuccess;
}

void Stream::AbandonCapture() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (capture_) EndCaptureLocked();
}

void Stream::EndCaptureLocked() {
  capture_.reset();
  --ActiveCaptures();
}

cudaStreamCaptureStatus Stream::CaptureStatus() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!capture_) return cudaStreamCaptureStatusNone;
  return capture_->invalidated ? cudaStreamCaptureStatusInvalidated : cudaStreamCaptureStatusActive;
}

// CUDA's rule (cudaStreamBeginCapture): a thread with a global or thread-local capture of its own, and any
// thread while another captures in global mode, must not make potentially unsafe calls. An invalidated capture
// still counts until it is ended.
bool Stream::InvalidateForUnsafeCall(std::thread::id caller) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!capture_) return false;
  const bool own = capture_->thread == caller;
  const bool violated = capture_->mode == cudaStreamCaptureModeGlobal || (own && capture_->mode == cudaStreamCaptureModeThreadLocal);
  if (violated) capture_->invalidated = true;
  return violated;
}

bool Stream::InvalidateForLegacyStream() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!capture_ || !blocking()) return false;
  capture_->invalidated = true;
  return true;
}

bool IsLegacyStream(cudaStream_t stream) {
  return stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread;
}

void Execute(Op& op) {
  switch (op.kind) {
    case Op::Kind::kWork:
      if (!DeviceLost()) {
        StreamWorkScope scope;
        op.work();
      }
      break;
    case Op::Kind::kRecord:
      op.event->Complete(op.generation);
      break;
    case Op::Kind::kWait:
      op.event->WaitFor(op.generation);
      break;
  }
}

cudaError_t Submit(cudaStream_t stream, std::vector<Op> ops) {
  if (IsLegacyStream(stream)) {
    const cudaError_t unsafe = CheckLegacyStreamSafe();
    if (unsafe != cudaSuccess) return unsafe;
    WaitForStreams(/*blockingOnly=*/true);
    for (Op& op : ops) {
      ResolveGeneration(&op);
      Execute(op);
    }
    return cudaSuccess;
  }
  const std::shared_ptr<Stream> target = Registry<Stream>().Find(stream);
  if (!target) return Fail(cudaErrorInvalidResourceHandle);
  return target->Enqueue(std::move(ops));
}

void WaitForStreams(bool blockingOnly) {
  for (const std::shared_ptr<Stream>& stream : Registry<Stream>().All()) {
    if (!blockingOnly || stream->blocking()) stream->Drain();
  }
}

cudaError_t CheckCaptureSafe() {
  if (ActiveCaptures().load() == 0) return cudaSuccess;
  const std::thread::id caller = std::this_thread::get_id();
  bool violated = false;
  for (const std::shared_ptr<Stream>& stream : Registry<Stream>().All()) {
    violated = stream->InvalidateForUnsafeCall(caller) || violated;
  }
  return violated ? Fail(cudaErrorStreamCaptureUnsupported) : cudaSuccess;
}

cudaError_t CheckLegacyStreamSafe() {
  if (ActiveCaptures().load() == 0) return cudaSuccess;
  bool violated = false;
  for (const std::shared_ptr<Stream>& stream : Registry<Stream>().All()) {
    violated = stream->InvalidateForLegacyStream() || violated;
  }
  return violated ? Fail(cudaErrorStreamCaptureImplicit) : cudaSuccess;
}

}  // namespace cuda
}  // namespace dofa_standin
