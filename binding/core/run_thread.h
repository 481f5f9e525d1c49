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
  using Work = std::function<void()>;

  RunThread();
  // Waits for the task in progress, then abandons every task still queued (on this thread), so that nothing
  // waiting on a task is left waiting: a run that never settles would also keep its family busy.
  ~RunThread();
  RunThread(const RunThread&) = delete;
  RunThread& operator=(const RunThread&) = delete;

  // `run` runs on the thread; `abandon` instead of it if the thread stops before the task's turn.
  void Post(Work run, Work abandon);

 private:
  struct Task {
    Work run;
    Work abandon;
  };

  void Loop();
  bool WaitForTask(Task* task);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dofa
