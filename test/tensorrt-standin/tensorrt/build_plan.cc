// buildSerializedNetwork: checks the network and config as TensorRT does (an output to build, optimization profiles
// for dynamic inputs, a DLA core that exists, DLA-incapable layers only with GPU fallback), calibrates for int8,
// places layers on DLA or the GPU, "times tactics" through the timing cache, reports progress to TensorRT 10's
// IProgressMonitor (a false stepComplete cancels the build) and writes the plan (plan_format.h).
#include <chrono>

#include "tensorrt/builder.h"
#include "tensorrt/builder_config.h"
#include "tensorrt/byte_stream.h"
#include "tensorrt/calibration.h"
#include "tensorrt/dims.h"
#include "tensorrt/dla_loadables.h"
#include "tensorrt/dla_placement.h"
#include "tensorrt/host_memory.h"
#include "tensorrt/layer_catalog.h"
#include "tensorrt/network.h"
#include "tensorrt/plan_format.h"
#include "tensorrt/process_logger.h"
#include "tensorrt/shape_estimate.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // kINT8 and the calibrator are deprecated in 10.x

namespace dofa_standin {
namespace {

using nvinfer1::BuilderFlag;

// TensorRT 10's IProgressMonitor, called from the building thread; nothing before 10.
class Progress {
 public:
  explicit Progress(void* monitor) : monitor_(monitor) {}
  void Start(const char* phase, const char* parent, int32_t steps) {
#if NV_TENSORRT_MAJOR >= 10
    if (monitor_ != nullptr) static_cast<nvinfer1::IProgressMonitor*>(monitor_)->phaseStart(phase, parent, steps);
#else
    static_cast<void>(phase), static_cast<void>(parent), static_cast<void>(steps);
#endif
  }
  // False when the monitor cancels the build.
  bool Step(const char* phase, int32_t step) {
#if NV_TENSORRT_MAJOR >= 10
    if (monitor_ != nullptr && !static_cast<nvinfer1::IProgressMonitor*>(monitor_)->stepComplete(phase, step)) return false;
#else
    static_cast<void>(phase), static_cast<void>(step);
#endif
    return true;
  }
  void Finish(const char* phase) {
#if NV_TENSORRT_MAJOR >= 10
    if (monitor_ != nullptr) static_cast<nvinfer1::IProgressMonitor*>(monitor_)->phaseFinish(phase);
#else
    static_cast<void>(phase);
#endif
  }

 private:
  void* monitor_;
};

nvinfer1::IHostMemory* Fail(const std::string& message) {
  LogError(message);
  return nullptr;
}

nvinfer1::IHostMemory* Cancelled(Progress& progress, const char* phase) {
  progress.Finish(phase);
  progress.Finish("Building engine");
  return Fail("2: [builder.cpp::buildSerializedNetwork] Error Code 2: Internal Error (the build was cancelled: "
              "IProgressMonitor::stepComplete returned false)");
}

}  // namespace

nvinfer1::IHostMemory* BuildPlan(StandinNetwork& network, StandinBuilderConfig& config) {
  const auto started = std::chrono::steady_clock::now();
  if (!network.populated() || network.outputs().empty()) {
    return Fail("4: [network.cpp::validate] Error Code 4: Internal Error (Network must have at least one output)");
  }
  const OnnxModel& model = network.model();
  PlanContents plan;
  std::string error;
  if (!CurrentDevice(&plan.device, &error)) return Fail("1: [builder.cpp::buildSerializedNetwork] Error Code 1: Cuda Runtime (" + error + ")");
  plan.version = LibraryVersion();
  plan.name = model.graphName;
  plan.onnx = network.onnx();
  plan.profilingVerbosity = static_cast<int32_t>(config.getProfilingVerbosity());
  const bool int8 = config.getFlag(BuilderFlag::kINT8);
  const bool fp16 = config.getFlag(BuilderFlag::kFP16);
  plan.precision = int8 ? PlanPrecision::kINT8 : fp16 ? PlanPrecision::kFP16 : PlanPrecision::kFP32;

  // Per-layer device types, and whether DLA is asked for at all.
  PlacementRequest request;
  request.model = &model;
  request.dlaByDefault = config.getDefaultDeviceType() == nvinfer1::DeviceType::kDLA;
  request.deviceOverride.assign(model.nodes.size(), -1);
  bool dlaAsked = request.dlaByDefault;
  for (const auto& entry : config.deviceTypes()) {
    const StandinLayer* layer = network.LayerOf(entry.first);
    if (layer == nullptr) continue;
    request.deviceOverride[layer->node()] = entry.second == nvinfer1::DeviceType::kDLA ? 1 : 0;
    dlaAsked = dlaAsked || entry.second == nvinfer1::DeviceType::kDLA;
  }
  if (dlaAsked) {
    const int32_t cores = DlaCores();
    plan.dlaCore = config.getDLACore() < 0 ? 0 : config.getDLACore();
    if (cores == 0) return Fail("1: [builder.cpp::buildSerializedNetwork] Error Code 1: Internal Error (DLA is not available on this platform: getNbDLACores() is 0)");
    if (plan.dlaCore >= cores) {
      return Fail("1: [builder.cpp::buildSerializedNetwork] Error Code 1: Internal Error (DLA core " + std::to_string(plan.dlaCore) +
                  " is not available: this platform has " + std::to_string(cores) + " DLA cores)");
    }
  }

  // Inputs: dynamic dims need optimization profile 0 to cover them.
  if (config.profiles().size() > 1) LogWarning("the stand-in TensorRT builds optimization profile 0 only; the others are ignored");
  std::map<std::string, Shape> buildShapes;  // the largest shapes the engine runs (profile kMAX)
  request.staticShapes = true;
  for (const StandinTensor* input : network.inputs()) {
    PlanTensor tensor;
    tensor.name = input->getName();
    tensor.isInput = true;
    tensor.dataType = static_cast<int32_t>(input->getType());
    tensor.dims = input->shape();
    bool dynamic = false;
    for (int64_t d : tensor.dims) dynamic = dynamic || d < 0;
    const std::map<std::string, ProfileRange>* profile = config.profiles().empty() ? nullptr : &config.profiles()[0];
    const auto range = profile != nullptr ? profile->find(tensor.name) : std::map<std::string, ProfileRange>::const_iterator{};
    if (dynamic && (profile == nullptr || range == profile->end())) {
      return Fail("4: [network.cpp::validate] Error Code 4: Internal Error (" + tensor.name +
                  ": dynamic input is missing dimensions in profile 0. Network has dynamic or shape inputs, but no optimization profile has been defined.)");
    }
    if (profile != nullptr && range != profile->end()) {
      const std::string problem = ProfileProblem(tensor.name, tensor.dims, range->second);
      if (!problem.empty()) return Fail("4: [optimizationProfile.cpp::validate] Error Code 4: Internal Error (" + problem + ")");
      tensor.hasProfile = true;
      tensor.min = range->second.min;
      tensor.opt = range->second.opt;
      tensor.max = range->second.max;
      request.staticShapes = request.staticShapes && tensor.min == tensor.max;
    }
    buildShapes[tensor.name] = tensor.hasProfile ? tensor.max : tensor.dims;
    plan.tensors.push_back(tensor);
  }
  for (const StandinTensor* output : network.outputs()) {
    PlanTensor tensor;
    tensor.name = output->getName();
    tensor.dataType = static_cast<int32_t>(output->getType());
    tensor.dims = output->shape();
    plan.tensors.push_back(tensor);
  }

  Progress progress(config.progressMonitor());
  progress.Start("Building engine", nullptr, 3);

  // int8: the calibrator (or its cache) gives the scales; without one TensorRT warns and leaves ranges unset.
  if (int8 && config.getInt8Calibrator() != nullptr) {
    if (network.inputs().size() != 1) return Fail("2: [calibrator.cpp] Error Code 2: Internal Error (the stand-in calibrates single-input networks only)");
    const PlanTensor& input = plan.tensors.front();
    const std::map<std::string, ProfileRange>* calibration = config.calibrationProfile();
    Shape sample = input.hasProfile ? input.opt : input.dims;
    if (calibration != nullptr && calibration->count(input.name) != 0) sample = calibration->at(input.name).opt;
    const CalibrationOutcome outcome = Calibrate(*config.getInt8Calibrator(), input.name, sample);
    if (!outcome.ok) {
      progress.Finish("Building engine");
      return Fail(outcome.error);
    }
    plan.calibrationId = outcome.id;
  } else if (int8) {
    LogWarning("Calibrator is not being used. Users must provide dynamic range for all tensors that are not Int32 or Bool.");
  }
  if (!progress.Step("Building engine", 0)) return Cancelled(progress, "Building engine");

  request.gpuFallback = config.getFlag(BuilderFlag::kGPU_FALLBACK);
  request.reducedPrecision = fp16 || int8;
  request.maxSubgraphs = DlaLoadableLimit();
  const Placement placement = PlaceNetwork(request);
  for (const std::string& warning : placement.warnings) LogWarning(warning);
  if (!placement.ok) {
    progress.Finish("Building engine");
    return Fail("2: [network.cpp::validate] Error Code 2: Internal Error (" + placement.error + ")");
  }
#if NV_TENSORRT_MAJOR < 10
  for (const std::string& line : placement.placementLog) LogInfo(line);  // TensorRT 8 prints where layers run
#endif
  plan.onDla.resize(placement.onDla.size());
  for (size_t i = 0; i < placement.onDla.size(); ++i) plan.onDla[i] = placement.onDla[i] ? 1 : 0;
  if (!progress.Step("Building engine", 1)) return Cancelled(progress, "Building engine");

  // Tactics: one per GPU layer, keyed by its operator and input shape; the timing cache keeps them across builds.
  const char* const tactics = "Tactic selection";
  progress.Start(tactics, "Building engine", static_cast<int32_t>(model.nodes.size()));
  const std::map<std::string, Shape> shapes = EstimateShapes(model, buildShapes);
  size_t hits = 0;
  size_t misses = 0;
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const OnnxNode& node = model.nodes[i];
    if (!placement.onDla[i] && config.timingCache() != nullptr) {
      const auto shape = node.inputs.empty() ? shapes.end() : shapes.find(node.inputs[0]);
      const std::string key = node.opType + (shape != shapes.end() ? ShapeText(shape->second) : "[?]") + (fp16 ? " fp16" : " fp32");
      (config.timingCache()->Record(key, "0x" + std::to_string(Fnv1a(key.data(), key.size()) & 0xffff)) ? hits : misses) += 1;
    }
    if (!progress.Step(tactics, static_cast<int32_t>(i))) return Cancelled(progress, tactics);
  }
  progress.Finish(tactics);
  if (config.timingCache() != nullptr) {
    LogInfo("Timing cache: " + std::to_string(hits) + " hits, " + std::to_string(misses) + " misses, " +
            std::to_string(config.timingCache()->size()) + " entries");
  }

  plan.activationBytes = EstimateActivationBytes(model, buildShapes);
  std::vector<uint8_t> bytes = SerializePlan(plan);
  if (!progress.Step("Building engine", 2)) return Cancelled(progress, "Building engine");
  progress.Finish("Building engine");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  LogInfo("Total Activation Memory: " + std::to_string(plan.activationBytes) + " bytes; DLA loadables: " +
          std::to_string(placement.dlaLoadables));
  LogInfo("Engine generation completed in " + std::to_string(seconds) + " seconds.");
  return new StandinHostMemory(std::move(bytes));
}

}  // namespace dofa_standin
