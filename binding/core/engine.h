// The one interface every backend implements (ONNX Runtime now, TensorRT where compiled in).
// An engine is loaded once, bound once to the family's shared buffers, then run any number of times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;  // dynamic dimensions are resolved to 1 (batch 1)
  size_t ElementCount() const {
    size_t count = 1;
    for (int64_t dim : shape) count *= static_cast<size_t>(dim);
    return count;
  }
};

struct RunTiming {
  double hostMs = 0;     // steady clock around the backend's run call
  double deviceMs = -1;  // accelerator time where the backend measures it (CUDA events), else -1
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const TensorInfo& input() const = 0;
  virtual const TensorInfo& output() const = 0;
  // Binds the family's shared buffers (capacities in floats, at least this engine's sizes). Called once;
  // the buffers outlive the engine. Run() then reads `input` and writes `output` in place.
  virtual void Bind(float* input, size_t inputCapacity, float* output, size_t outputCapacity) = 0;
  virtual RunTiming Run() = 0;
};

}  // namespace dofa
