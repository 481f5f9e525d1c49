// Every model load of the process runs on one long-lived thread.
// Loading parses whole model files and frees most of it again. glibc serves each thread from a malloc arena of its
// own and keeps the free memory at the top of a thread's arena (malloc_trim does not return it), so loads spread
// over libuv's four pool threads, and over the new threads every load starts, left that much behind in each arena,
// and a process that loads and closes families again and again kept growing. On one thread they reuse one arena.
#pragma once

#include <functional>

namespace dofa {

// Runs `work` on the load thread and returns when it is done, rethrowing what it threw. Loads from every JS realm
// and worker_thread take turns there. Blocking: call it off the JS thread (from an async worker).
void RunOnLoadThread(const std::function<void()>& work);

}  // namespace dofa
