#include "core/load_thread.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace dofa {
namespace {

struct LoadJob {
  const std::function<void()>* work = nullptr;
  std::exception_ptr error;
  bool done = false;
};

// Process-wide on purpose (one arena for every load); started at the first load and never stopped: it only ever
// sleeps between jobs, and joining it at exit would add a teardown order for no gain. Holds no N-API handles.
class LoadThread {
 public:
  static LoadThread& Instance() {
    static LoadThread* instance = new LoadThread();  // never destroyed: see above
    return *instance;
  }

  void Run(const std::function<void()>& work) {
    LoadJob job;
    job.work = &work;
    std::unique_lock<std::mutex> lock(mutex_);
    jobs_.push_back(&job);
    wake_.notify_all();
    finished_.wait(lock, [&] { return job.done; });
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  LoadThread() : thread_([this] { Loop(); }) { thread_.detach(); }

  void Loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !jobs_.empty(); });
      LoadJob* job = jobs_.front();
      jobs_.pop_front();
      lock.unlock();
      try {
        (*job->work)();
      } catch (...) {
        job->error = std::current_exception();
      }
      lock.lock();
      job->done = true;
      finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;
  std::deque<LoadJob*> jobs_;
  std::thread thread_;
};

}  // namespace

void RunOnLoadThread(const std::function<void()>& work) { LoadThread::Instance().Run(work); }

}  // namespace dofa
