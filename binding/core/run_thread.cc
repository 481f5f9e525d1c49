#include "core/run_thread.h"

#include <utility>

#include "core/errors.h"

namespace dofa {

RunThread::RunThread() : thread_([this] { Loop(); }) {}

RunThread::~RunThread() {
  Task waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    std::swap(waiting, slot_);
  }
  wake_.notify_one();
  thread_.join();
  // After the join: the task that was running settles before the abandoned one.
  if (waiting.abandon) waiting.abandon();
}

void RunThread::Post(Work run, Work abandon) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (slot_.run) ContractViolation("a run posted while another waits for the run thread");
    slot_ = {std::move(run), std::move(abandon)};
  }
  wake_.notify_one();
}

bool RunThread::WaitForTask(Task* task) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stop_ || slot_.run; });
  if (stop_) return false;
  std::swap(*task, slot_);
  return true;
}

void RunThread::Loop() {
  Task task;
  while (WaitForTask(&task)) {
    task.run();
    task = Task{};
  }
}

}  // namespace dofa
