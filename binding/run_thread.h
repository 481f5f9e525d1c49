// One dedicated thread per family runs its inferences, in order. It spins briefly after each task before it
// sleeps, so back-to-back frames skip the futex wake-up that a thread-pool hop costs on every call, and a long
// inference never occupies one of libuv's four pool threads (file system, DNS and crypto work queue there).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace dofa {

class RunThread {
 public:
  using Task = std::function<void()>;

  RunThread();
  ~RunThread();  // runs no further task; waits for the one in progress
  RunThread(const RunThread&) = delete;
  RunThread& operator=(const RunThread&) = delete;

  void Post(Task task);

 private:
  void Loop();
  bool WaitForTask(Task* task);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  std::atomic<size_t> queued_{0};
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dofa
