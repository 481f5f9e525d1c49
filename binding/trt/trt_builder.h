// ONNX -> serialized TensorRT plan for one sub-network on one accelerator (the GPU or a DLA core). Pure C++ (no
// N-API): napi/trt_functions.cc runs it on a worker thread, forwards progress to JS and hands the plan to
// lib/engines/ensure-engines.ts, which writes the engine file. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dofa {

struct TrtBuildOptions {
  std::string onnxPath;
  int dlaCore = -1;                // -1 = the GPU, n = DLA core n
  std::string precision = "fp16";  // fp16 | int8 | fp32 (fp32: GPU only)
  bool gpuFallback = true;         // DLA: let layers DLA cannot run fall back to the GPU
  size_t workspaceBytes = size_t{256} << 20;
  std::string timingCachePath;  // per device; loaded when present, merged and saved after the build ("" = none)
  // int8: the calibration cache is read when present (then no data is needed) and written after calibrating.
  std::string calibrationCachePath;
  // int8 without a cache: float32 NCHW samples of this sub-network's input size, back to back.
  std::string calibrationDataPath;
};

struct TrtBuildReport {
  std::string tensorrtVersion;  // of the library that built the plan
  int64_t tensorrtEncoded = 0;
  std::string tensorrtBuild;  // which build of it (trt::TensorRtBuild): a plan is reusable by the same build only
  double buildMs = 0;
  int layers = 0;             // network layers after parsing
  int dlaLayers = 0;          // DLA builds, before the build: network layers DLA accepts (canRunOnDLA)
  int gpuFallbackLayers = 0;  // DLA builds, before the build: network layers it does not (they run on the GPU)
  std::vector<std::string> fallbackLayerNames;
  // From the built engine (trt/engine_inspection.h): the inspector's JSON, the builder's own placement lines
  // ("[DlaLayer] ...", "[GpuLayer] ..."), a context's activation memory (-1 unknown), and why inspection failed.
  std::string engineInformation;
  std::vector<std::string> placementLog;
  int64_t activationBytes = -1;
  std::string inspectionError;
  size_t planBytes = 0;
  bool timingCacheLoaded = false;
  bool timingCacheSaved = false;
  bool calibrationCacheWritten = false;
  std::vector<std::string> warnings;
};

struct TrtBuild {
  std::vector<char> plan;  // the serialized engine
  TrtBuildReport report;
};

// stage: parse | configure | calibrate | build | serialize | done; fraction in [0, 1] or -1 when unknown.
using TrtProgress = std::function<void(const std::string& stage, double fraction, const std::string& message)>;

// Throws dofa::Error (E_MODEL_LOAD for bad models, E_BACKEND_UNAVAILABLE for a missing or refused library
// (TensorRT, its ONNX parser, the CUDA runtime) or missing hardware such as a DLA core this GPU lacks,
// E_INVALID_ARGUMENT for what this TensorRT cannot build, E_INTERNAL for options lib/ must not send).
TrtBuild BuildTrtEngine(const TrtBuildOptions& options, const TrtProgress& progress);

}  // namespace dofa
