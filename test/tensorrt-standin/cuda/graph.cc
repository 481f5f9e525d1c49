// cudaGraph*: instantiation, launch and destruction of what stream capture recorded.
#include "cuda/graph.h"

#include <cstdio>
#include <new>

#include "cuda/handles.h"
#include "cuda/memory.h"
#include "cuda/runtime.h"

namespace dofa_standin {
namespace cuda {
namespace {

struct GraphExec {
  std::vector<Op> ops;
};

// The instantiation flags CUDA 11.4 to 12.x define (auto-free on launch, upload, device launch, node priority).
constexpr unsigned long long kKnownInstantiateFlags = 0xF;

cudaError_t Instantiate(const char* name, cudaGraphExec_t* pGraphExec, cudaGraph_t graph, unsigned long long flags) {
  STANDIN_ENTER(name, cudaErrorMemoryAllocation, Needs::kContext);
  if (pGraphExec == nullptr || (flags & ~kKnownInstantiateFlags) != 0) return Fail(cudaErrorInvalidValue);
  const std::shared_ptr<Graph> source = Registry<Graph>().Find(graph);
  if (!source) return Fail(cudaErrorInvalidValue);  // CUDA's answer for a graph that is not one
  try {
    auto exec = std::make_shared<GraphExec>();
    exec->ops = source->ops;
    *pGraphExec = static_cast<cudaGraphExec_t>(Registry<GraphExec>().Add(std::move(exec)));
  } catch (const std::bad_alloc&) {
    return Fail(cudaErrorMemoryAllocation);
  }
  ++Live().graphExecs;
  return cudaSuccess;
}

}  // namespace

cudaGraph_t NewGraph(std::vector<Op> ops) {
  try {
    auto graph = std::make_shared<Graph>();
    graph->ops = std::move(ops);
    const auto handle = static_cast<cudaGraph_t>(Registry<Graph>().Add(std::move(graph)));
    ++Live().graphs;
    return handle;
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

}  // namespace cuda
}  // namespace dofa_standin

using dofa_standin::cuda::Fail;
using dofa_standin::cuda::Graph;
using dofa_standin::cuda::GraphExec;
using dofa_standin::cuda::Live;
using dofa_standin::cuda::Needs;
using dofa_standin::cuda::Op;
using dofa_standin::cuda::Registry;

#if CUDART_VERSION >= 12000
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphInstantiate(cudaGraphExec_t* pGraphExec, cudaGraph_t graph,
                                                                unsigned long long flags) {
  return dofa_standin::cuda::Instantiate("cudaGraphInstantiate", pGraphExec, graph, flags);
}
#else
// CUDA 11's signature: the stand-in's graphs have no failing node and no log to write.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphInstantiate(cudaGraphExec_t* pGraphExec, cudaGraph_t graph,
                                                                cudaGraphNode_t* pErrorNode, char* pLogBuffer,
                                                                size_t bufferSize) {
  if (pErrorNode != nullptr) *pErrorNode = nullptr;
  if (pLogBuffer != nullptr && bufferSize > 0) pLogBuffer[0] = '\0';
  return dofa_standin::cuda::Instantiate("cudaGraphInstantiate", pGraphExec, graph, 0);
}
#endif

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphInstantiateWithFlags(cudaGraphExec_t* pGraphExec, cudaGraph_t graph,
                                                                         unsigned long long flags) {
  return dofa_standin::cuda::Instantiate("cudaGraphInstantiateWithFlags", pGraphExec, graph, flags);
}

// Queues the recorded ops in order, with their recorded arguments. A captured copy whose device memory was freed
// since would be an illegal address on a device: it is refused here, before anything runs.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphLaunch(cudaGraphExec_t graphExec, cudaStream_t stream) {
  STANDIN_ENTER("cudaGraphLaunch", cudaErrorLaunchFailure, Needs::kContext);
  const std::shared_ptr<GraphExec> exec = Registry<GraphExec>().Find(graphExec);
  if (!exec) return Fail(cudaErrorInvalidResourceHandle);
  for (const Op& op : exec->ops) {
    for (const dofa_standin::cuda::DeviceRange& range : op.ranges) {
      if (dofa_standin::cuda::IsDeviceAccessible(range.pointer, range.bytes)) continue;
      std::fprintf(stderr, "stand-in: cudaGraphLaunch: a captured copy or memset touches device memory %p (%zu bytes) "
                   "that is no longer allocated\n", range.pointer, range.bytes);
      return Fail(cudaErrorIllegalAddress);
    }
  }
  return dofa_standin::cuda::Submit(stream, exec->ops);
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphDestroy(cudaGraph_t graph) {
  bool release = false;
  const cudaError_t entered = dofa_standin::cuda::EnterRelease("cudaGraphDestroy", cudaErrorLaunchFailure, &release);
  if (!release) return entered;
  if (!Registry<Graph>().Take(graph)) return entered != cudaSuccess ? entered : Fail(cudaErrorInvalidValue);
  --Live().graphs;
  return entered;
}

// Launches already queued keep their own copies of the ops: destroying the executable graph does not disturb them.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGraphExecDestroy(cudaGraphExec_t graphExec) {
  bool release = false;
  const cudaError_t entered = dofa_standin::cuda::EnterRelease("cudaGraphExecDestroy", cudaErrorLaunchFailure, &release);
  if (!release) return entered;
  if (!Registry<GraphExec>().Take(graphExec)) {
    return entered != cudaSuccess ? entered : Fail(cudaErrorInvalidResourceHandle);
  }
  --Live().graphExecs;
  return entered;
}
