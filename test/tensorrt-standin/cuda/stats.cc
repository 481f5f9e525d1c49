// The live-object counters and the stand-in's own stats entry points (cuda/standin_cuda_stats.h). With
// DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE set, the stats are also written there as JSON when the process exits, so
// that a test can check for leaks in a program (node, say) that cannot call the function itself.
#include "cuda/standin_cuda_stats.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cuda/runtime.h"

namespace dofa_standin {
namespace cuda {

Counters& Live() {
  static Counters* counters = new Counters();  // never destroyed: read at exit, and by stream threads
  return *counters;
}

namespace {

std::string StatsJson() {
  DynamicOfaStandinCudaStats stats;
  dynamicOfaStandinCudaStats(&stats);
  char text[640];
  std::snprintf(text, sizeof(text),
                "{\"deviceAllocations\":%" PRId64 ",\"deviceBytes\":%" PRId64 ",\"hostAllocations\":%" PRId64
                ",\"hostBytes\":%" PRId64 ",\"streams\":%" PRId64 ",\"events\":%" PRId64 ",\"graphs\":%" PRId64
                ",\"graphExecs\":%" PRId64 ",\"pendingOperations\":%" PRId64
                ",\"contextCreated\":%d,\"deviceFlags\":%u,\"deviceLost\":%d,\"faultsInjected\":%" PRIu64 "}",
                stats.deviceAllocations, stats.deviceBytes, stats.hostAllocations, stats.hostBytes, stats.streams,
                stats.events, stats.graphs, stats.graphExecs, stats.pendingOperations, stats.contextCreated,
                stats.deviceFlags, stats.deviceLost, stats.faultsInjected);
  return text;
}

void WriteStatsFile() {
  const std::string path = Env("DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE");
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    std::fprintf(stderr, "stand-in: cannot write DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE '%s'\n", path.c_str());
    return;
  }
  std::fprintf(file, "%s\n", StatsJson().c_str());
  std::fclose(file);
}

// Registered when the library is loaded, so the file is written even by a process that never used CUDA.
const bool statsFileRegistered = !Env("DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE").empty() && std::atexit(WriteStatsFile) == 0;

}  // namespace
}  // namespace cuda
}  // namespace dofa_standin

STANDIN_CUDA_EXPORT void dynamicOfaStandinCudaStats(DynamicOfaStandinCudaStats* stats) {
  if (stats == nullptr) return;
  const dofa_standin::cuda::Counters& live = dofa_standin::cuda::Live();
  stats->deviceAllocations = live.deviceAllocations.load();
  stats->deviceBytes = live.deviceBytes.load();
  stats->hostAllocations = live.hostAllocations.load();
  stats->hostBytes = live.hostBytes.load();
  stats->streams = live.streams.load();
  stats->events = live.events.load();
  stats->graphs = live.graphs.load();
  stats->graphExecs = live.graphExecs.load();
  stats->pendingOperations = live.pendingOperations.load();
  stats->contextCreated = live.context.load() ? 1 : 0;
  stats->deviceFlags = live.deviceFlags.load();
  stats->deviceLost = dofa_standin::DeviceLost() ? 1 : 0;
  stats->faultsInjected = dofa_standin::FaultsInjected();
}

STANDIN_CUDA_EXPORT const char* dynamicOfaStandinCudaStatsJson(void) {
  thread_local std::string json;
  json = dofa_standin::cuda::StatsJson();
  return json.c_str();
}
