#include "tensorrt/calibration.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "tensorrt/byte_stream.h"
#include "tensorrt/library_version.h"
#include "tensorrt/process_logger.h"
#include "tensorrt/shape_estimate.h"

// The calibrator interface is deprecated from TensorRT 10.1 (explicit quantization); implementing it is the point.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace dofa_standin {
namespace {

constexpr int kMaxBatches = 1000000;  // a calibrator that never says "no more" must not hang the build

const char* AlgorithmName(nvinfer1::CalibrationAlgoType algorithm) {
  switch (algorithm) {
    case nvinfer1::CalibrationAlgoType::kLEGACY_CALIBRATION: return "LegacyCalibration";
    case nvinfer1::CalibrationAlgoType::kENTROPY_CALIBRATION: return "EntropyCalibration";
    case nvinfer1::CalibrationAlgoType::kENTROPY_CALIBRATION_2: return "EntropyCalibration2";
    case nvinfer1::CalibrationAlgoType::kMINMAX_CALIBRATION: return "MinMaxCalibration";
  }
  return "UnknownCalibration";
}

std::string HexFloat(float value) {
  uint32_t bits = 0;
  std::memcpy(&bits, &value, 4);
  char text[16];
  std::snprintf(text, sizeof text, "%08x", bits);
  return text;
}

}  // namespace

std::string CalibrationHeader(nvinfer1::IInt8Calibrator& calibrator) {
  return "TRT-" + std::to_string(LibraryVersion().Encoded()) + "-" + AlgorithmName(calibrator.getAlgorithm());
}

CalibrationOutcome Calibrate(nvinfer1::IInt8Calibrator& calibrator, const std::string& inputName, const std::vector<int64_t>& sampleDims) {
  CalibrationOutcome outcome;
  const std::string header = CalibrationHeader(calibrator);
  std::size_t length = 0;
  const void* cache = calibrator.readCalibrationCache(length);
  if (cache != nullptr && length > 0) {
    const std::string text(static_cast<const char*>(cache), length);
    const std::string firstLine = text.substr(0, text.find('\n'));
    if (firstLine == header && text.find(inputName + ": ") != std::string::npos) {
      outcome.ok = true;
      outcome.fromCache = true;
      outcome.id = Fnv1a(cache, length);
      LogInfo("Using the calibration cache (" + std::to_string(length) + " bytes, " + header + ")");
      return outcome;
    }
    LogWarning("The calibration cache was not written by this TensorRT and calibrator ('" + firstLine.substr(0, 80) + "', expected '" +
               header + "'); calibrating again.");
  }
  const int32_t batchSize = calibrator.getBatchSize();
  const int64_t floats = Volume(sampleDims);
  if (batchSize < 1 || floats <= 0 || floats > (int64_t{1} << 28)) {
    outcome.error = "2: [calibrator.cpp::calibrateEngine] Error Code 2: Internal Error (invalid calibration batch: batch size " +
                    std::to_string(batchSize) + ", " + std::to_string(floats) + " floats per sample)";
    return outcome;
  }
  std::vector<float> host(static_cast<size_t>(floats));
  float absMax = 0;
  const char* names[] = {inputName.c_str()};
  for (;;) {
    void* bindings[1] = {nullptr};
    if (outcome.batches >= kMaxBatches || !calibrator.getBatch(bindings, names, 1)) break;
    if (bindings[0] == nullptr) {
      outcome.error = "2: [calibrator.cpp::calibrateEngine] Error Code 2: Internal Error (getBatch returned true without a binding for '" +
                      inputName + "')";
      return outcome;
    }
    const cudaError_t status = cudaMemcpy(host.data(), bindings[0], host.size() * sizeof(float), cudaMemcpyDeviceToHost);
    if (status != cudaSuccess) {
      static_cast<void>(cudaGetLastError());
      outcome.error = std::string("1: [calibrator.cpp::calibrateEngine] Error Code 1: Cuda Runtime (") + cudaGetErrorString(status) + ")";
      return outcome;
    }
    for (float v : host) absMax = std::isfinite(v) ? std::max(absMax, std::fabs(v)) : absMax;
    ++outcome.batches;
  }
  if (outcome.batches == 0) {
    outcome.error = "2: [calibrator.cpp::calibrateEngine] Error Code 2: Internal Error (Calibration failure occurred with no scaling "
                    "factors detected. This could be due to no int8 calibrator or insufficient custom scales for network layers.)";
    return outcome;
  }
  const std::string text = header + "\n" + inputName + ": " + HexFloat(absMax > 0 ? absMax / 127.0f : 1.0f / 127.0f) + "\n";
  calibrator.writeCalibrationCache(text.data(), text.size());
  outcome.ok = true;
  outcome.id = Fnv1a(text.data(), text.size());
  LogInfo("Calibrated on " + std::to_string(outcome.batches) + " batches; wrote the calibration cache (" + header + ")");
  return outcome;
}

}  // namespace dofa_standin
