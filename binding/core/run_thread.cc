#include "core/run_thread.h"

namespace dofa {

RunThread::RunThread() : thread_([this] { Loop(); }) {}

RunThread::~RunThread() {
  std::deque<Task> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queued.swap(tasks_);
  }
  wake_.notify_one();
  thread_.join();
  // After the join: the task that was running settles before the abandoned ones.
  for (Task& task : queued) task.abandon();
}

void RunThread::Post(Work run, Work abandon) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back({std::move(run), std::move(abandon)});
  }
  wake_.notify_one();
}

bool RunThread::WaitForTask(Task* task) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
  if (stop_) return false;
  *task = std::move(tasks_.front());
  tasks_.pop_front();
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
