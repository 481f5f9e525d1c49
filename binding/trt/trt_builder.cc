#include "trt/trt_builder.h"

#include <chrono>
#include <fstream>

#include "core/errors.h"
#include "trt/build_monitor.h"
#include "trt/cuda_buffers.h"
#include "trt/engine_inspection.h"
#include "trt/file_io.h"
#include "trt/int8_calibrator.h"
#include "trt/trt_common.h"
#include "trt/trt_entry_points.h"

namespace dofa {
namespace {

using nvinfer1::ILogger;

std::string DimsString(const nvinfer1::Dims& dims) {
  std::string text = "[";
  for (int32_t i = 0; i < dims.nbDims; ++i) text += (i ? "," : "") + std::to_string(static_cast<int64_t>(dims.d[i]));
  return text + "]";
}

#if NV_TENSORRT_MAJOR < 11
// Floats in one calibration sample (TensorRT 11 has no implicit int8 calibration).
size_t Volume(const nvinfer1::Dims& dims) {
  size_t volume = 1;
  for (int32_t i = 0; i < dims.nbDims; ++i) volume *= static_cast<size_t>(dims.d[i] < 1 ? 1 : dims.d[i]);
  return volume;
}
#endif

void Report(const TrtProgress& progress, const std::string& stage, double fraction, const std::string& message) {
  if (progress) progress(stage, fraction, message);
}

}  // namespace

TrtBuild BuildTrtEngine(const TrtBuildOptions& options, const TrtProgress& progress) {
  const auto started = std::chrono::steady_clock::now();
  // lib/engines/ensure-engines.ts checks these for users (precision, fp32 on DLA, int8's calibration inputs).
  const int dlaCore = options.dlaCore;
  const std::string& precision = options.precision;
  if (dlaCore < -1) ContractViolation("DLA core " + std::to_string(dlaCore));
  if (precision != "fp16" && precision != "int8" && precision != "fp32") ContractViolation("precision '" + precision + "'");
  if (dlaCore >= 0 && precision == "fp32") ContractViolation("fp32 on a DLA core");
  if (options.onnxPath.empty()) ContractViolation("no ONNX path");
  const std::string accelerator = trt::AcceleratorName(dlaCore);
  // Refuses here, naming both versions, a TensorRT or CUDA runtime the headers cannot drive, and a missing parser.
  trt::RequireOnnxParser();
  QueryCudaDevice();  // throws E_BACKEND_UNAVAILABLE without a usable GPU

  TrtBuild build;
  TrtBuildReport& report = build.report;
  const trt::RuntimeState& runtime = trt::TensorRtRuntime();
  report.tensorrtEncoded = runtime.tensorrtEncoded;
  report.tensorrtVersion = trt::VersionText(runtime.tensorrt);
  report.tensorrtBuild = runtime.tensorrtBuild;
  if (report.tensorrtVersion != trt::VersionText(trt::TensorRtHeadersVersion())) {
    report.warnings.push_back("TensorRT library " + report.tensorrtVersion + " differs from the headers this addon was built with (" +
                              trt::CompiledVersionText() + "); accepted: same major, same or newer minor");
  }
  // The builder's warnings go to the report; its DLA/GPU placement lines (TensorRT 8.x logs them at info level)
  // are a second view of where layers landed.
  trt::LogCapture logger({/*warnings=*/true, {"[DlaLayer]", "[GpuLayer]"}});

  Report(progress, "parse", 0, options.onnxPath);
  trt::Ptr<nvinfer1::IBuilder> builder(trt::CreateBuilder());
  if (!builder) throw Error(codes::kBackendUnavailable, "createInferBuilder failed: " + logger.Errors());
  if (dlaCore >= 0 && dlaCore >= builder->getNbDLACores()) trt::ThrowMissingDlaCore(dlaCore, builder->getNbDLACores());
#if NV_TENSORRT_MAJOR < 10
  const uint32_t flags = 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#else
  const uint32_t flags = 0;  // explicit batch is the only mode (the flag is deprecated in 10, gone in 11)
#endif
  trt::Ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(flags));
  if (!network) throw Error(codes::kModelLoad, "createNetworkV2 failed: " + logger.Errors());
  trt::Ptr<nvonnxparser::IParser> parser(trt::CreateOnnxParser(*network));
  if (!parser) throw Error(codes::kModelLoad, "createParser failed: " + logger.Errors());
  if (!parser->parseFromFile(options.onnxPath.c_str(), static_cast<int>(ILogger::Severity::kWARNING))) {
    std::string problems;
    for (int i = 0; i < parser->getNbErrors(); ++i) problems += std::string(i ? "; " : "") + parser->getError(i)->desc();
    throw Error(codes::kModelLoad, "'" + options.onnxPath + "': the ONNX parser failed: " +
                                       (problems.empty() ? logger.Errors() : problems));
  }
  if (network->getNbInputs() != 1 || network->getNbOutputs() != 1) {
    throw Error(codes::kModelLoad, "'" + options.onnxPath + "' has " + std::to_string(network->getNbInputs()) + " inputs and " +
                                       std::to_string(network->getNbOutputs()) + " outputs; a sub-network has one of each");
  }
  nvinfer1::ITensor* input = network->getInput(0);
  if (input->getType() != nvinfer1::DataType::kFLOAT || network->getOutput(0)->getType() != nvinfer1::DataType::kFLOAT) {
    throw Error(codes::kModelLoad, "'" + options.onnxPath + "': input and output must be float32");
  }
  report.layers = network->getNbLayers();

  Report(progress, "configure", 0, accelerator + " " + precision);
  trt::Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) throw Error(codes::kBackendUnavailable, "createBuilderConfig failed: " + logger.Errors());
  config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, options.workspaceBytes);
  // Layer types and placement in the engine inspector's JSON (the DLA loadable count is read from it).
  config->setProfilingVerbosity(nvinfer1::ProfilingVerbosity::kDETAILED);

  // A dynamic batch dimension becomes 1 (min = opt = max, as DLA requires); other dynamic dimensions are errors.
  nvinfer1::Dims dims = input->getDimensions();
  bool dynamic = false;
  for (int32_t i = 0; i < dims.nbDims; ++i) {
    if (dims.d[i] >= 0) continue;
    if (i != 0) {
      throw Error(codes::kModelLoad, "'" + options.onnxPath + "': input " + DimsString(dims) +
                                         " has a dynamic non-batch dimension; export with a fixed resolution");
    }
    dims.d[i] = 1;
    dynamic = true;
  }
  nvinfer1::IOptimizationProfile* profile = nullptr;  // owned by the builder
  if (dynamic) {
    profile = builder->createOptimizationProfile();
    profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kMIN, dims);
    profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kOPT, dims);
    profile->setDimensions(input->getName(), nvinfer1::OptProfileSelector::kMAX, dims);
    if (config->addOptimizationProfile(profile) < 0) {
      throw Error(codes::kModelLoad, "cannot add the optimization profile: " + logger.Errors());
    }
  }

#if NV_TENSORRT_MAJOR < 11
  std::unique_ptr<EntropyCalibrator> calibrator;
  DOFA_IGNORE_DEPRECATED_BEGIN
  if (precision == "fp16" || precision == "int8") {
    if (!builder->platformHasFastFp16()) report.warnings.push_back("this platform has no fast fp16");
    config->setFlag(nvinfer1::BuilderFlag::kFP16);  // int8 layers fall back to fp16, not fp32
  }
  if (precision == "int8") {
    if (!builder->platformHasFastInt8()) report.warnings.push_back("this platform has no fast int8");
    std::ifstream cache(options.calibrationCachePath, std::ios::binary);
    const bool haveCache = !options.calibrationCachePath.empty() && cache.good();
    if (!haveCache && options.calibrationDataPath.empty()) ContractViolation("int8 without a calibration cache or data");
    config->setFlag(nvinfer1::BuilderFlag::kINT8);
    calibrator = std::make_unique<EntropyCalibrator>(options.calibrationCachePath, options.calibrationDataPath, Volume(dims), progress);
    config->setInt8Calibrator(calibrator.get());
    // With a dynamic batch, calibration needs a profile (the header: it "must be set if int8 calibration is used
    // to set scales for a network with runtime dimensions"); the build's own profile (batch 1) is that profile.
    if (profile != nullptr && !config->setCalibrationProfile(profile)) {
      throw Error(codes::kModelLoad, "cannot set the int8 calibration profile: " + logger.Errors());
    }
  }
  DOFA_IGNORE_DEPRECATED_END
#else
  // TensorRT 11 removed the implicit fp16/int8 builder flags and the calibrator: precision comes from a strongly
  // typed network (an fp16 or Q/DQ ONNX export). Build what the ONNX says rather than silently ignore the request.
  if (precision != "fp32") {
    throw Error(codes::kInvalidArgument, "TensorRT " + trt::CompiledVersionText() +
                                             " has no implicit fp16/int8 builder flags; export an fp16 or Q/DQ ONNX "
                                             "and build with precision fp32 (the network's own types)");
  }
#endif

  if (dlaCore >= 0) {
    config->setDefaultDeviceType(nvinfer1::DeviceType::kDLA);
    config->setDLACore(dlaCore);
#if NV_TENSORRT_MAJOR < 11
    DOFA_IGNORE_DEPRECATED_BEGIN  // deprecated in 10.x (strong typing), still what DLA on 8.5 wants
    config->setFlag(nvinfer1::BuilderFlag::kPREFER_PRECISION_CONSTRAINTS);  // as trtexec --useDLACore
    DOFA_IGNORE_DEPRECATED_END
#endif
    if (options.gpuFallback) config->setFlag(nvinfer1::BuilderFlag::kGPU_FALLBACK);
    for (int32_t i = 0; i < network->getNbLayers(); ++i) {
      nvinfer1::ILayer* layer = network->getLayer(i);
      if (config->canRunOnDLA(layer)) {
        ++report.dlaLayers;
      } else {
        ++report.gpuFallbackLayers;
        if (report.fallbackLayerNames.size() < 100) report.fallbackLayerNames.emplace_back(layer->getName());
      }
    }
    if (report.gpuFallbackLayers > 0 && !options.gpuFallback) {
      throw Error(codes::kModelLoad, std::to_string(report.gpuFallbackLayers) + " of " + std::to_string(report.layers) +
                                         " layers cannot run on DLA (first: " + report.fallbackLayerNames.front() +
                                         ") and GPU fallback is off");
    }
  }

  // Timing cache: device-bound; mismatched caches are refused by TensorRT, then we start a fresh one.
  std::vector<char> timingBlob;
  if (!options.timingCachePath.empty() && ReadWholeFile(options.timingCachePath, &timingBlob) && !timingBlob.empty()) {
    report.timingCacheLoaded = true;
  }
  trt::Ptr<nvinfer1::ITimingCache> timingCache(config->createTimingCache(timingBlob.data(), timingBlob.size()));
  if (!timingCache && !timingBlob.empty()) {
    report.warnings.push_back("timing cache '" + options.timingCachePath + "' was refused; starting a new one");
    report.timingCacheLoaded = false;
    timingCache.reset(config->createTimingCache(nullptr, 0));
  }
  if (timingCache && !config->setTimingCache(*timingCache, /*ignoreMismatch=*/false)) {
    report.warnings.push_back("timing cache does not match this device; building without it");
    report.timingCacheLoaded = false;
  }

#if NV_TENSORRT_MAJOR >= 10
  trt::BuildMonitor monitor(progress);
  config->setProgressMonitor(&monitor);
#endif
  Report(progress, "build", -1, "building (this can take minutes on a Jetson)");
  trt::Ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
#if NV_TENSORRT_MAJOR >= 10
  config->setProgressMonitor(nullptr);
#endif
#if NV_TENSORRT_MAJOR < 11
  if (calibrator && !calibrator->error().empty()) {
    throw Error(codes::kModelLoad, "int8 calibration failed: " + calibrator->error());
  }
  report.calibrationCacheWritten = calibrator && calibrator->written();
  if (calibrator && !calibrator->writeWarning().empty()) report.warnings.push_back(calibrator->writeWarning());
#endif
  if (!plan || plan->size() == 0) {
    throw Error(codes::kModelLoad, "'" + options.onnxPath + "': building the engine for " + accelerator + " failed: " +
                                       logger.Errors());
  }

  // Merge into what is on disk now (another build may have saved meanwhile), then save atomically.
  if (!options.timingCachePath.empty() && config->getTimingCache() != nullptr) {
    std::vector<char> onDisk;
    trt::Ptr<nvinfer1::ITimingCache> merged;
    if (ReadWholeFile(options.timingCachePath, &onDisk) && !onDisk.empty()) {
      merged.reset(config->createTimingCache(onDisk.data(), onDisk.size()));
      if (merged && !merged->combine(*config->getTimingCache(), /*ignoreMismatch=*/false)) merged.reset();
    }
    trt::Ptr<nvinfer1::IHostMemory> blob(merged ? merged->serialize() : config->getTimingCache()->serialize());
    if (blob && blob->size() > 0) {
      try {
        WriteFileAtomically(options.timingCachePath, blob->data(), blob->size());
        report.timingCacheSaved = true;
      } catch (const std::exception& error) {
        report.warnings.push_back(error.what());
      }
    }
  }

  Report(progress, "serialize", -1, "copying the plan");
  const auto* planBytes = static_cast<const char*>(plan->data());
  build.plan.assign(planBytes, planBytes + plan->size());
  report.planBytes = build.plan.size();
  plan.reset();

  Report(progress, "inspect", -1, "reading where the layers landed from the built engine");
  const trt::EngineInspection inspection = trt::InspectPlan(build.plan.data(), build.plan.size(), dlaCore);
  report.engineInformation = inspection.information;
  report.activationBytes = inspection.activationBytes;
  report.inspectionError = inspection.error;
  report.placementLog = logger.info();
  for (const std::string& warning : logger.warnings()) report.warnings.push_back(warning);
  report.buildMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  Report(progress, "done", 1, std::to_string(report.planBytes) + " plan bytes");
  return build;
}

}  // namespace dofa
