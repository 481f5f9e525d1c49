// Fault injection and environment settings shared by the stand-in libraries (each links its own copy).
//
// DYNAMIC_OFA_STANDIN_FAULTS: comma-separated rules NAME@N, NAME@N+ or NAME@N!, where NAME is an entry point as
// its library exports or declares it (cudaMalloc, cudaStreamSynchronize, deserializeCudaEngine, enqueueV3,
// buildSerializedNetwork, createExecutionContext, ...):
//   NAME@N   the N-th call of NAME (1-based) fails, once;
//   NAME@N+  the N-th call and every later call of NAME fail;
//   NAME@N!  the N-th call of NAME loses the device: it and every later call of that library fail (CUDA: with a
//            sticky cudaErrorDevicesUnavailable).
#pragma once

#include <cstdint>
#include <string>

namespace dofa_standin {

// Counts this call of `entryPoint` and says whether it must fail. Thread-safe.
bool ShouldFail(const char* entryPoint);
// True once a NAME@N! rule of this library has fired.
bool DeviceLost();
// How many calls have been failed on purpose so far in this library.
uint64_t FaultsInjected();

// The environment variable's value, or `fallback` when unset or empty.
std::string Env(const char* name, const std::string& fallback = "");

// Prints "stand-in: <what>" to stderr and aborts: a call the stand-in does not implement.
[[noreturn]] void Unimplemented(const char* what);

}  // namespace dofa_standin
