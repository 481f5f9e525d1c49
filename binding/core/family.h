// A family: every sub-network resident at once, bound to ONE shared input and ONE shared output buffer.
// Switching sub-networks is choosing an index; nothing is allocated, copied or created per run.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/dla_reservations.h"
#include "core/engine.h"
#include "core/preprocess.h"

namespace dofa {

struct FamilyOptions {
  BackendOptions backend;
  std::vector<ModelFile> models;
  int warmupRuns = 5;
  ModelInputSpec inputSpec;
};

// One run as the N-API layer hands it over: which sub-network, and what it reads.
struct RunRequest {
  size_t subnet = 0;
  const float* floats = nullptr;  // the caller's floats for the shared input (WriteInput copies them), or null
  size_t floatCount = 0;
  bool hasFrame = false;
  Frame frame;  // an 8-bit image that Run() preprocesses into the shared input
};

struct RunResult {
  RunTiming timing;
  double preprocessMs = 0;
};

class Family {
 public:
  // Loads, validates, binds and warms up every sub-network. Heavy: call off the JS thread.
  static std::shared_ptr<Family> Load(const FamilyOptions& options);

  size_t size() const { return engines_.size(); }
  const TensorInfo& inputOf(size_t subnet) const { return engines_.at(subnet)->input(); }
  const TensorInfo& outputOf(size_t subnet) const { return engines_.at(subnet)->output(); }
  // Median host latency of the warm-up runs at load, ms (the first, cold run excluded when there are several).
  double warmupMs(size_t subnet) const { return warmupMs_.at(subnet); }
  const SharedBuffers& buffers() const { return buffers_; }
  // Accelerator memory for intermediate tensors: what the family's engines share, and what each would need alone.
  size_t sharedActivationBytes() const { return sharedActivationBytes_; }
  size_t activationBytes(size_t subnet) const { return engines_.at(subnet)->ActivationBytes(); }
  bool replaysCudaGraph(size_t subnet) const { return engines_.at(subnet)->ReplaysCudaGraph(); }

  // One run at a time per family: Acquire() before writing the shared input, Release() after reading
  // the output. A second Acquire() while held fails with E_BUSY instead of corrupting the buffers.
  void Acquire();
  void Release() { busy_.store(false); }

  // The binding contract of a run, asserted once before it is queued: the sub-network exists, floats are exactly
  // its input size, a frame's bytes cover its rows. lib/model/input-checks.ts checks all of this for users with the messages
  // they see; a failure here is E_INTERNAL. WriteInput() and Run() take requests that passed.
  void CheckRequest(const RunRequest& request) const;
  // After Acquire(), on the thread that owns the caller's floats: copies them (if any) into the shared input.
  void WriteInput(const RunRequest& request);
  // Runs the request's sub-network on the shared buffers; its frame, if any, is preprocessed into the input first.
  RunResult Run(const RunRequest& request);

  // The DLA loadables its load reserved (core/dla_reservations.h): held until the family is destroyed.
  void HoldDlaReservation(DlaReservation reservation) { dlaReservation_ = std::move(reservation); }

 private:
  Family() = default;

  SharedBuffers buffers_;  // declared before the engines: released after them
  DlaReservation dlaReservation_;  // likewise: the loadables leave the DLA core with the engines
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<double> warmupMs_;
  size_t sharedActivationBytes_ = 0;
  ModelInputSpec inputSpec_;
  std::atomic<bool> busy_{false};
};

}  // namespace dofa
