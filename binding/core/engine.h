// The one interface every backend implements (ONNX Runtime now, TensorRT where compiled in), and the shared
// buffers its engines read and write. An engine is loaded once, bound once to the model's shared buffers,
// then run any number of times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

// Where an accelerator reads and writes a shared buffer. `mapped`: `pointer` aliases the host memory (zero-copy);
// otherwise it is a separate device mirror the engine copies to and from. Null for host-only backends.
struct DeviceView {
  void* pointer = nullptr;
  bool mapped = false;
};

// Float storage shared by every engine of a model and by the JS views (which keep it alive after close()).
// How it is allocated is the backend's business (aligned host memory, CUDA mapped or pinned memory with a
// device mirror); the deleter frees the host memory and any device side together.
class SharedBuffer {
 public:
  using Deleter = void (*)(float* host, const DeviceView& device);
  SharedBuffer(float* host, size_t floats, DeviceView device, Deleter deleter)
      : host_(host), size_(floats), device_(device), deleter_(deleter) {}
  ~SharedBuffer() { deleter_(host_, device_); }
  SharedBuffer(const SharedBuffer&) = delete;
  SharedBuffer& operator=(const SharedBuffer&) = delete;
  float* data() const { return host_; }
  size_t bytes() const { return size_ * sizeof(float); }
  const DeviceView& device() const { return device_; }

 private:
  float* host_;
  size_t size_;
  DeviceView device_;
  Deleter deleter_;
};

// A model's one input and one output buffer, handed to engines as one object.
struct SharedBuffers {
  std::shared_ptr<SharedBuffer> input;
  std::shared_ptr<SharedBuffer> output;
};

// A sub-network's weights where its backend shares them across the model's sub-networks (ONNX Runtime with
// shareWeights): all its weights, and those an earlier sub-network already held. Zeros elsewhere.
struct WeightUse {
  uint64_t bytes = 0;
  uint64_t reusedBytes = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const TensorInfo& input() const = 0;
  virtual const TensorInfo& output() const = 0;
  // Binds the model's shared buffers, which hold at least this engine's input and output (the model sizes them
  // for its largest sub-network). Called once; Run() then reads the input and writes the output in place.
  virtual void Bind(const SharedBuffers& buffers) = 0;
  virtual RunTiming Run() = 0;
  // Accelerator memory this engine's runs need for intermediate tensors (0 where the backend does not say).
  virtual size_t ActivationBytes() const { return 0; }
  // True when its runs replay a captured CUDA graph (TensorRT with DYNAMIC_OFA_TRT_CUDA_GRAPH=1, capture succeeded).
  virtual bool ReplaysCudaGraph() const { return false; }
  virtual WeightUse Weights() const { return {}; }
};

}  // namespace dofa
