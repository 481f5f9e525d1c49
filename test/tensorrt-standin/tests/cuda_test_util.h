// Checks and helpers shared by the stand-in CUDA runtime's tests (tests/cuda_*.cc). Each test program prints
// "N passed, N failed" last and exits non-zero on failure; an alarm ends a hung one.
#pragma once

#include <cuda_runtime_api.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "cuda/standin_cuda_stats.h"

namespace cuda_test {

inline int passed = 0;
inline int failed = 0;
inline const char* currentTest = "";

inline void Record(bool ok, const char* file, int line, const char* what) {
  if (ok) {
    ++passed;
    return;
  }
  ++failed;
  std::printf("FAIL [%s] %s:%d: %s\n", currentTest, file, line, what);
  std::fflush(stdout);
}

inline void RecordCuda(cudaError_t actual, cudaError_t expected, const char* file, int line, const char* what) {
  if (actual == expected) {
    ++passed;
    return;
  }
  ++failed;
  std::printf("FAIL [%s] %s:%d: %s returned %s, expected %s\n", currentTest, file, line, what, cudaGetErrorName(actual),
              cudaGetErrorName(expected));
  std::fflush(stdout);
}

#define CHECK(condition) ::cuda_test::Record((condition), __FILE__, __LINE__, #condition)
#define CHECK_CUDA(call, expected) ::cuda_test::RecordCuda((call), (expected), __FILE__, __LINE__, #call)
#define CHECK_OK(call) CHECK_CUDA(call, cudaSuccess)

inline void Run(const char* name, void (*test)()) {
  currentTest = name;
  const int failedBefore = failed;
  test();
  if (failed != failedBefore) std::printf("test %s failed\n", name);
  static_cast<void>(cudaGetLastError());  // each test starts with a clean error state
  currentTest = "";
}

inline int Finish(const char* label = nullptr) {
  std::printf("%s%s%d passed, %d failed\n", label != nullptr ? label : "", label != nullptr ? ": " : "", passed, failed);
  std::fflush(stdout);
  return failed == 0 ? 0 : 1;
}

// A hung test must fail, not block CI: SIGALRM's default action ends the process.
inline void Deadline(unsigned seconds) { alarm(seconds); }

inline DynamicOfaStandinCudaStats Stats() {
  DynamicOfaStandinCudaStats stats;
  std::memset(&stats, 0, sizeof(stats));
  dynamicOfaStandinCudaStats(&stats);
  return stats;
}

// Nothing allocated, created or queued is left.
inline bool NoLeaks() {
  const DynamicOfaStandinCudaStats s = Stats();
  const bool clean = s.deviceAllocations == 0 && s.deviceBytes == 0 && s.hostAllocations == 0 && s.hostBytes == 0 &&
                     s.streams == 0 && s.events == 0 && s.graphs == 0 && s.graphExecs == 0 && s.pendingOperations == 0;
  if (!clean) std::printf("live objects: %s\n", dynamicOfaStandinCudaStatsJson());
  return clean;
}

inline void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace cuda_test
