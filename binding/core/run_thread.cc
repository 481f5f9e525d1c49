#include "core/run_thread.h"

namespace dofa {

RunThread::RunThread() : thread_([this] { Loop(); }) {}

RunThread::~RunThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    tasks_.clear();
  }
  wake_.notify_one();
  thread_.join();
}

void RunThread::Post(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
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
    task();
    task = nullptr;
  }
}

}  // namespace dofa
