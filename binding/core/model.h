// A model: a family's sub-networks resident on one device at once, bound to ONE shared input and ONE shared output
// buffer. Switching sub-networks is choosing an index; nothing is allocated, copied or created per run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/dla_reservations.h"
#include "core/engine.h"
#include "core/preprocess.h"

namespace dofa {

// One sub-network to load: its model file, where family.json lists it, and the resolution family.json declares.
struct SubnetModel {
  ModelFile file;
  int64_t subnet = 0;      // its index in family.json's subnets (errors name `/subnets/<subnet>/...`)
  int64_t resolution = 0;  // the declared input height and width; 0 when family.json declares none
};

struct ModelOptions {
  BackendOptions backend;
  std::vector<SubnetModel> subnets;
  int warmupRuns = 0;
  ModelInputSpec inputSpec;
};

// One run as the N-API layer hands it over: which sub-network, and what it reads.
struct RunRequest {
  size_t subnet = 0;
  bool hasFloats = false;
  const float* floats = nullptr;  // the caller's floats for the shared input (WriteInput copies them)
  size_t floatCount = 0;
  bool hasImage = false;
  Image image;  // an 8-bit image that Run() preprocesses into the shared input
};

// What a sub-network costs in the C heap (core/heap.h), measured around its load: what its engine holds once loaded, and
// what its first run added (ONNX Runtime: the activations its run plans in the shared arena). Deltas of the whole
// process's heap, so a concurrent allocation elsewhere counts too; signed, since a load may also free memory.
struct SubnetHeapUse {
  int64_t loadBytes = 0;
  int64_t firstRunBytes = 0;
};

struct RunResult {
  RunTiming timing;
  double preprocessMs = 0;
};

class Model {
 public:
  // Loads every sub-network, checks it against family.json (layout, channels, resolution, output shape: before any
  // warm-up), binds them to the shared buffers and warms them up. Heavy: call off the JS thread.
  static std::shared_ptr<Model> Load(const ModelOptions& options);

  size_t size() const { return engines_.size(); }
  const TensorInfo& inputOf(size_t subnet) const { return engines_.at(subnet)->input(); }
  const TensorInfo& outputOf(size_t subnet) const { return engines_.at(subnet)->output(); }
  // Median host latency of the warm-up runs at load, ms (the first, cold run excluded when there are several).
  double warmupMs(size_t subnet) const { return warmupMs_.at(subnet); }
  const SharedBuffers& buffers() const { return buffers_; }
  const SubnetHeapUse& heapUse(size_t subnet) const { return heapUse_.at(subnet); }
  // Accelerator memory for intermediate tensors: what the model's engines share, and what each would need alone.
  size_t sharedActivationBytes() const { return sharedActivationBytes_; }
  size_t activationBytes(size_t subnet) const { return engines_.at(subnet)->ActivationBytes(); }
  bool replaysCudaGraph(size_t subnet) const { return engines_.at(subnet)->ReplaysCudaGraph(); }
  WeightUse weights(size_t subnet) const { return engines_.at(subnet)->Weights(); }

  // One run at a time: Acquire() before writing the shared input, Release() after reading the output, both on the JS
  // thread. lib/ queues runs (DynamicModel), so a second Acquire() while held breaks the binding contract.
  void Acquire();
  void Release() { busy_ = false; }
  bool busy() const { return busy_; }

  // The binding contract of a run, asserted once before it is queued: the sub-network exists, floats are exactly
  // its input size, an image's bytes cover its rows. lib/model/input-checks.ts checks all of this for users with the
  // messages they see; a failure here is E_INTERNAL. WriteInput() and Run() take requests that passed.
  void CheckRequest(const RunRequest& request) const;
  // After Acquire(), on the thread that owns the caller's floats: copies them (if any) into the shared input.
  void WriteInput(const RunRequest& request);
  // Runs the request's sub-network on the shared buffers; its image, if any, is preprocessed into the input first.
  RunResult Run(const RunRequest& request);

  // The DLA loadables its load reserved (core/dla_reservations.h): held until the model is destroyed.
  void HoldDlaReservation(DlaReservation reservation) { dlaReservation_ = std::move(reservation); }
  // Its heap need not go back to the system when it is destroyed: the env is going away (each return walks the whole
  // heap, so a process exiting with many models open would pay for one walk per model).
  void KeepHeapOnDestruction() { returnHeap_.enabled = false; }

 private:
  Model() = default;

  // Declared first, so destroyed last: once the engines and buffers are gone, their freed heap goes back to the system.
  struct ReturnHeapWhenDone {
    bool enabled = true;
    ~ReturnHeapWhenDone();
  } returnHeap_;
  SharedBuffers buffers_;  // declared before the engines: released after them
  DlaReservation dlaReservation_;  // likewise: the loadables leave the DLA core with the engines
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<double> warmupMs_;
  std::vector<SubnetHeapUse> heapUse_;
  size_t sharedActivationBytes_ = 0;
  ModelInputSpec inputSpec_;
  bool busy_ = false;  // JS thread only: set and cleared there, around each run
};

}  // namespace dofa
