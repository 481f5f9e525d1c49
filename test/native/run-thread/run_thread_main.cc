// RunThread (binding/core/run_thread.cc), one slot, for run-thread.test.ts: the first task blocks until the
// destructor has begun; the second waits in the slot meanwhile, so a third posted then is refused (the binding
// contract: lib/ queues runs), and the second is still waiting when the thread stops. A task must either run or be
// abandoned (then whoever waits on it, a promise in the addon, is told); the running one finishes first.
// Prints the order of events, one per line.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.h"
#include "core/run_thread.h"

namespace {

std::mutex eventsMutex;
std::vector<std::string> events;

void Record(const std::string& event) {
  std::lock_guard<std::mutex> lock(eventsMutex);
  events.push_back(event);
}

}  // namespace

int main() {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  {
    dofa::RunThread thread;
    thread.Post(
        [&] {
          started = true;
          while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
          Record("ran 1");
        },
        [] { Record("abandoned 1"); });
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    thread.Post([] { Record("ran 2"); }, [] { Record("abandoned 2"); });
    try {
      thread.Post([] { Record("ran 3"); }, [] { Record("abandoned 3"); });
    } catch (const dofa::Error& error) {
      Record("refused 3: " + error.code() + " " + error.what());
    }
    // Lets the first task end only once the destructor below has stopped the thread.
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      release = true;
    });
    releaser.detach();
  }
  for (const std::string& event : events) std::printf("%s\n", event.c_str());
  return 0;
}
