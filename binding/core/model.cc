#include "core/model.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/errors.h"
#include "core/heap.h"

namespace dofa {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

// What family.json says a sub-network's model is, against what the loaded engine takes: NCHW with batch 1, the
// family's channels, the declared resolution; every sub-network gives the first one's output shape.
void CheckAgainstManifest(const SubnetModel& model, const Engine& engine, const ModelInputSpec& spec,
                          const SubnetModel& first, const Engine& firstEngine) {
  const std::string subnet = "/subnets/" + std::to_string(model.subnet);
  const std::string file = "'" + model.file.path + "'";
  const auto& in = engine.input().shape;
  if (in.size() != 4 || in[0] != 1) {
    throw Error::ManifestProblem(subnet + "/model", file + ": input shape " + ShapeString(in) + " is not NCHW with batch 1");
  }
  if (in[1] != spec.channels) {
    throw Error::ManifestProblem("/input/channels", file + ": input has " + std::to_string(in[1]) +
                                                        " channels; the family manifest says " + std::to_string(spec.channels));
  }
  if (model.resolution != 0 && (in[2] != model.resolution || in[3] != model.resolution)) {
    throw Error::ManifestProblem(subnet + "/resolution", "is " + std::to_string(model.resolution) + "; " + file + " takes " +
                                                             std::to_string(in[2]) + "x" + std::to_string(in[3]));
  }
  if (engine.output().shape != firstEngine.output().shape) {
    throw Error::ManifestProblem(subnet + "/model", file + ": output shape " + ShapeString(engine.output().shape) +
                                                        " differs from '" + first.file.path + "' " +
                                                        ShapeString(firstEngine.output().shape));
  }
}

}  // namespace

std::shared_ptr<Model> Model::Load(const ModelOptions& options) {
  if (options.subnets.empty()) ContractViolation("a model needs at least one sub-network");  // the manifest schema's minItems
  std::shared_ptr<Model> model(new Model());
  model->inputSpec_ = options.inputSpec;
  std::unique_ptr<Backend> backend = CreateBackend(options.backend);
  const auto heapInUse = [] { return static_cast<int64_t>(ReadHeapStats().inUseBytes); };
  for (const SubnetModel& subnet : options.subnets) {
    const int64_t before = heapInUse();
    model->engines_.push_back(backend->LoadEngine(subnet.file));
    model->heapUse_.push_back({heapInUse() - before, 0});
  }

  // Sub-networks may differ in resolution but must agree on layout, channels and output.
  size_t inputCapacity = 0;
  for (size_t i = 0; i < model->engines_.size(); ++i) {
    CheckAgainstManifest(options.subnets[i], *model->engines_[i], options.inputSpec, options.subnets[0], *model->engines_[0]);
    inputCapacity = std::max(inputCapacity, model->engines_[i]->input().ElementCount());
  }
  model->buffers_.input = backend->Allocate(inputCapacity);
  model->buffers_.output = backend->Allocate(model->engines_.front()->output().ElementCount());
  for (auto& engine : model->engines_) engine->Bind(model->buffers_);
  model->sharedActivationBytes_ = backend->SharedActivationBytes();
  // Warm up every sub-network now, so the first inference after a switch runs at steady-state speed.
  // Their timings give a first latency profile of this device. Round-robin, as a switching workload runs.
  std::vector<std::vector<double>> timings(model->engines_.size());
  for (int run = 0; run < options.warmupRuns; ++run) {
    for (size_t i = 0; i < model->engines_.size(); ++i) {
      try {
        const int64_t before = run == 0 ? heapInUse() : 0;
        timings[i].push_back(model->engines_[i]->Run().hostMs);
        if (run == 0) model->heapUse_[i].firstRunBytes = heapInUse() - before;
      } catch (const Error& error) {
        // A model that loads but cannot run is a broken model file, found at load rather than at the first image.
        throw Error(codes::kModelLoad, "'" + options.subnets[i].file.path + "' loads but fails to run: " + error.what());
      }
    }
  }
  for (auto& samples : timings) {
    if (samples.size() > 1) samples.erase(samples.begin());
    std::sort(samples.begin(), samples.end());
    model->warmupMs_.push_back(samples.empty() ? 0 : samples[samples.size() / 2]);
  }
  std::memset(model->buffers_.output->data(), 0, model->buffers_.output->bytes());
  ReturnFreeHeap();  // the parsed model files, freed by now
  return model;
}

Model::ReturnHeapWhenDone::~ReturnHeapWhenDone() {
  if (enabled) ReturnFreeHeap();
}

void Model::Acquire() {
  if (busy_) ContractViolation("a run while another is in flight");
  busy_ = true;
}

void Model::CheckRequest(const RunRequest& request) const {
  if (request.subnet >= engines_.size()) ContractViolation("sub-network index out of range");
  if (request.hasFloats && request.floatCount != engines_[request.subnet]->input().ElementCount()) {
    ContractViolation("float count differs from the sub-network's input size");
  }
  if (request.hasImage && !ImageFits(request.image)) ContractViolation("image bytes do not cover its rows");
}

void Model::WriteInput(const RunRequest& request) {
  float* shared = buffers_.input->data();
  // memmove: the caller's floats may be a view into the shared input itself.
  if (request.hasFloats && request.floats != shared) {
    std::memmove(shared, request.floats, request.floatCount * sizeof(float));
  }
}

RunResult Model::Run(const RunRequest& request) {
  Engine& engine = *engines_[request.subnet];
  RunResult result;
  if (request.hasImage) {
    const auto start = std::chrono::steady_clock::now();
    const auto& shape = engine.input().shape;
    PreprocessImage(request.image, inputSpec_, static_cast<int>(shape[2]), static_cast<int>(shape[3]),
                    buffers_.input->data());
    result.preprocessMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  }
  result.timing = engine.Run();
  return result;
}

}  // namespace dofa
