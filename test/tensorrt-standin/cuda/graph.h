// Graphs: what a stream capture recorded, as a list of ops replayed in order (the stand-in's graphs are linear, as
// a single-stream capture is). An executable graph is a copy of its graph's ops.
#pragma once

#include <cuda_runtime_api.h>

#include <vector>

#include "cuda/stream.h"

namespace dofa_standin {
namespace cuda {

struct Graph {
  std::vector<Op> ops;
};

// Registers a graph made of `ops` (cudaStreamEndCapture) and returns its handle. Null if out of memory.
cudaGraph_t NewGraph(std::vector<Op> ops);

}  // namespace cuda
}  // namespace dofa_standin
