#include "core/family.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/errors.h"

namespace dofa {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

std::shared_ptr<Family> Family::Load(const FamilyOptions& options) {
  if (options.models.empty()) ContractViolation("a family needs at least one model");  // the manifest schema's minItems
  std::shared_ptr<Family> family(new Family());
  family->inputSpec_ = options.inputSpec;
  std::unique_ptr<Backend> backend = CreateBackend(options.backend);
  for (const ModelFile& model : options.models) family->engines_.push_back(backend->LoadEngine(model));

  // Sub-networks may differ in resolution but must agree on layout, channels and output.
  const Engine& first = *family->engines_.front();
  size_t inputCapacity = 0;
  for (size_t i = 0; i < family->engines_.size(); ++i) {
    const Engine& engine = *family->engines_[i];
    const auto& in = engine.input().shape;
    if (in.size() != 4 || in[0] != 1) {
      throw Error(codes::kFamilyInvalid, "'" + options.models[i].path + "': input shape " + ShapeString(in) +
                                             " is not NCHW with batch 1");
    }
    if (in[1] != options.inputSpec.channels) {
      throw Error(codes::kFamilyInvalid, "'" + options.models[i].path + "': input has " + std::to_string(in[1]) +
                                             " channels; the family manifest says " +
                                             std::to_string(options.inputSpec.channels));
    }
    if (engine.output().shape != first.output().shape) {
      throw Error(codes::kFamilyInvalid, "'" + options.models[i].path + "': output shape " +
                                             ShapeString(engine.output().shape) + " differs from '" +
                                             options.models[0].path + "' " + ShapeString(first.output().shape));
    }
    inputCapacity = std::max(inputCapacity, engine.input().ElementCount());
  }
  family->buffers_.input = backend->Allocate(inputCapacity);
  family->buffers_.output = backend->Allocate(first.output().ElementCount());
  for (auto& engine : family->engines_) engine->Bind(family->buffers_);
  family->sharedActivationBytes_ = backend->SharedActivationBytes();
  // Warm up every sub-network now, so the first inference after a switch runs at steady-state speed.
  // Their timings give a first latency profile of this device. Round-robin, as a switching workload runs.
  std::vector<std::vector<double>> timings(family->engines_.size());
  for (int run = 0; run < options.warmupRuns; ++run) {
    for (size_t i = 0; i < family->engines_.size(); ++i) {
      try {
        timings[i].push_back(family->engines_[i]->Run().hostMs);
      } catch (const Error& error) {
        // A model that loads but cannot run is a broken model file, found at load rather than at the first frame.
        throw Error(codes::kModelLoad, "'" + options.models[i].path + "' loads but fails to run: " + error.what());
      }
    }
  }
  for (auto& samples : timings) {
    if (samples.size() > 1) samples.erase(samples.begin());
    std::sort(samples.begin(), samples.end());
    family->warmupMs_.push_back(samples.empty() ? 0 : samples[samples.size() / 2]);
  }
  std::memset(family->buffers_.output->data(), 0, family->buffers_.output->bytes());
  return family;
}

void Family::Acquire() {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true)) {
    throw Error(codes::kBusy, "this family is already running an inference; requests to one family are serialized "
                              "(use the promise API, or one family per thread for runSync)");
  }
}

void Family::CheckRequest(const RunRequest& request) const {
  if (request.subnet >= engines_.size()) ContractViolation("sub-network index out of range");
  if (request.floats != nullptr && request.floatCount != engines_[request.subnet]->input().ElementCount()) {
    ContractViolation("float count differs from the sub-network's input size");
  }
  if (request.hasFrame && !FrameFits(request.frame)) ContractViolation("frame bytes do not cover its rows");
}

void Family::WriteInput(const RunRequest& request) {
  float* shared = buffers_.input->data();
  // memmove: the caller's floats may be a view into the shared input itself.
  if (request.floats != nullptr && request.floats != shared) {
    std::memmove(shared, request.floats, request.floatCount * sizeof(float));
  }
}

RunResult Family::Run(const RunRequest& request) {
  Engine& engine = *engines_[request.subnet];
  RunResult result;
  if (request.hasFrame) {
    const auto start = std::chrono::steady_clock::now();
    const auto& shape = engine.input().shape;
    PreprocessFrame(request.frame, inputSpec_, static_cast<int>(shape[2]), static_cast<int>(shape[3]),
                    buffers_.input->data());
    result.preprocessMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  result.timing = engine.Run();
  return result;
}

}  // namespace dofa
