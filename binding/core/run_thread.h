// One dedicated thread per family runs its inferences, in order, so a long inference never occupies one of
// libuv's four pool threads (file system, DNS and crypto work queue there). It sleeps between tasks: spinning
// was measured to slow the inference itself on 2 cores (it competes with ONNX Runtime's threads).
#pragma once

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
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dofa
