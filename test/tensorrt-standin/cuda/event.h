// Events. Each cudaEventRecord on a running stream starts a new recording (a generation); the event is complete
// once the stream's thread has reached the latest one. Waiting blocks on a condition variable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace dofa_standin {
namespace cuda {

class Event {
 public:
  explicit Event(unsigned flags) : flags_(flags) {}

  unsigned flags() const { return flags_; }

  // Starts a new recording (the previous one no longer counts) and returns its generation.
  uint64_t Arm() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ++recorded_;
  }

  // The latest recording's generation; 0 if the event was never recorded.
  uint64_t Recorded() {
    std::lock_guard<std::mutex> lock(mutex_);
    return recorded_;
  }

  // The stream has reached recording `generation` (an older one finishing late changes nothing).
  void Complete(uint64_t generation) {
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation <= completed_) return;
      completed_ = generation;
      completedAt_ = now;
    }
    changed_.notify_all();
  }

  // Blocks until recording `generation` (or a later one) is complete.
  void WaitFor(uint64_t generation) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return completed_ >= generation; });
  }

  // Blocks until the latest recording is complete (at once if there is none).
  void Synchronize() {
    std::unique_lock<std::mutex> lock(mutex_);
    const uint64_t target = recorded_;
    changed_.wait(lock, [&] { return completed_ >= target; });
  }

  struct State {
    bool recorded = false;  // ever recorded
    bool complete = false;  // the latest recording is complete (true if never recorded)
    std::chrono::steady_clock::time_point when;  // when it completed
  };
  State Query() {
    std::lock_guard<std::mutex> lock(mutex_);
    return State{recorded_ > 0, completed_ >= recorded_, completedAt_};
  }

 private:
  const unsigned flags_;
  std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t recorded_ = 0;
  uint64_t completed_ = 0;
  std::chrono::steady_clock::time_point completedAt_;
};

}  // namespace cuda
}  // namespace dofa_standin
