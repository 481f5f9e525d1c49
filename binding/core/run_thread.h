// One dedicated thread per model runs its inferences, so a long inference never occupies one of libuv's four pool
// threads (file system, DNS and crypto work queue there). It sleeps between tasks: spinning was measured to slow
// the inference itself on 2 cores (it competes with ONNX Runtime's threads).
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace dofa {

class RunThread {
 public:
  using Work = std::function<void()>;

  RunThread();
  // Waits for the task in progress, then abandons the task still waiting in the slot (on this thread), so that
  // nothing waiting on a task is left waiting: a run that never settles would also keep its model busy.
  ~RunThread();
  RunThread(const RunThread&) = delete;
  RunThread& operator=(const RunThread&) = delete;

  // Puts a task in the one slot: `run` runs on the thread, `abandon` instead of it if the thread stops before taking
  // it. Runs are queued in lib/ (DynamicModel), one at a time: a task posted while the slot still holds one breaks
  // the binding contract (E_INTERNAL) and is neither run nor abandoned.
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
  Task slot_;  // empty when `run` is
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dofa
