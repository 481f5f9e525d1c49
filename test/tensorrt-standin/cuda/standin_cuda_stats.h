/* The stand-in CUDA runtime's own entry points (not CUDA's): live objects, for leak checks in tests. Exported by the
 * stand-in's libcudart only; look them up with dlsym (RTLD_DEFAULT or the library's handle), so that a test also
 * runs, without leak checks, on a real CUDA runtime. */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct DynamicOfaStandinCudaStats {
  int64_t deviceAllocations; /* live cudaMalloc allocations */
  int64_t deviceBytes;       /* their requested bytes */
  int64_t hostAllocations;   /* live cudaHostAlloc / cudaMallocHost allocations */
  int64_t hostBytes;
  int64_t streams;           /* live created streams (each has a thread) */
  int64_t events;
  int64_t graphs;            /* cudaGraph_t from stream capture, not yet destroyed */
  int64_t graphExecs;
  int64_t pendingOperations; /* queued on streams, not yet run */
  int32_t contextCreated;    /* 1 once a call created the context */
  uint32_t deviceFlags;      /* as set by cudaSetDeviceFlags (0: never set) */
  int32_t deviceLost;        /* 1 once a NAME@N! fault rule fired */
  uint64_t faultsInjected;   /* calls failed on purpose so far */
} DynamicOfaStandinCudaStats;

/* Fills `stats` (never fails; lock-free, so it may be called at any time, even from a host function). */
void dynamicOfaStandinCudaStats(DynamicOfaStandinCudaStats* stats);
typedef void (*DynamicOfaStandinCudaStatsFn)(DynamicOfaStandinCudaStats* stats);

/* The same as one line of JSON, e.g. {"deviceAllocations":0,...}; valid until this thread's next call. */
const char* dynamicOfaStandinCudaStatsJson(void);

#ifdef __cplusplus
}
#endif
