// Implicit int8 calibration as the builder drives an IInt8Calibrator: it first asks readCalibrationCache; a cache
// of this TensorRT and algorithm is used as is, otherwise the builder pulls batches with getBatch (device pointers
// the calibrator owns, read here with cudaMemcpy), takes each input's absolute maximum as a stand-in scale, writes a
// cache in TensorRT's text layout ("TRT-<version>-EntropyCalibration2", then "<tensor>: <hex float>") through
// writeCalibrationCache, and identifies the calibration by the FNV-1a hash of the cache. The engine still runs fp32
// through ONNX Runtime: nothing here says anything about int8 numerics.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <NvInfer.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // IInt8Calibrator is deprecated from TensorRT 10.1

namespace dofa_standin {

struct CalibrationOutcome {
  bool ok = false;
  uint64_t id = 0;          // hash of the cache used or written
  int batches = 0;          // batches read (0 when a cache was used)
  bool fromCache = false;
  std::string error;        // what TensorRT logs when calibration fails
};

CalibrationOutcome Calibrate(nvinfer1::IInt8Calibrator& calibrator, const std::string& inputName, const std::vector<int64_t>& sampleDims);

// The first line of a calibration cache this library writes for `calibrator`'s algorithm.
std::string CalibrationHeader(nvinfer1::IInt8Calibrator& calibrator);

}  // namespace dofa_standin

#pragma GCC diagnostic pop
