#include "run_thread.h"

#include <chrono>

namespace dofa {
namespace {

// How long an idle run thread keeps polling before it sleeps: longer than the gap between back-to-back
// frames, short enough to cost nothing measurable at camera frame rates.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

RunThread::RunThread() : thread_([this] { Loop(); }) {}

RunThread::~RunThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    tasks_.clear();
    queued_.store(0);
  }
  wake_.notify_one();
  thread_.join();
}

void RunThread::Post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
    queued_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_one();
}

bool RunThread::WaitForTask(Task* task) {
  const auto spinUntil = std::chrono::steady_clock::now() + kSpin;
  while (queued_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < spinUntil) {
    for (int i = 0; i < 64; ++i) CpuRelax();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
  if (stop_) return false;
  *task = std::move(tasks_.front());
  tasks_.pop_front();
  queued_.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

void RunThread::Loop() {
  Task task;
  while (WaitForTask(&task)) {
    task();
    task = nullptr;
  }
}

}  // namespace dofa
