// Implicit INT8 calibration for the builder (entropy calibrator 2: the one DLA needs). Deprecated from TensorRT
// 10.1 in favour of explicit (Q/DQ) quantization, which DLA on TensorRT 8.x does not support; removed in 11.
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT, and empty from TensorRT 11.
#pragma once

#include "trt/trt_builder.h"
#include "trt/trt_common.h"

#if NV_TENSORRT_MAJOR < 11

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace dofa {

DOFA_IGNORE_DEPRECATED_BEGIN
// Feeds float32 NCHW samples of one input size from `dataPath`, back to back, one per batch; reads and writes
// the calibration cache at `cachePath` ("" = none). Errors are kept for the builder: TensorRT's calls are noexcept.
// A cache that cannot be written is a warning, not an error: the scales are in the engine either way.
class EntropyCalibrator final : public nvinfer1::IInt8EntropyCalibrator2 {
 public:
  EntropyCalibrator(std::string cachePath, std::string dataPath, size_t sampleFloats, TrtProgress progress);
  ~EntropyCalibrator() override;

  int32_t getBatchSize() const noexcept override { return 1; }
  bool getBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept override;
  void const* readCalibrationCache(std::size_t& length) noexcept override;
  void writeCalibrationCache(void const* ptr, std::size_t length) noexcept override;

  bool written() const { return written_; }
  // Why calibrating failed (no data, a short read, CUDA): the build fails.
  const std::string& error() const { return error_; }
  // Why the calibration cache was not written ("" when it was or none was asked for): the build report warns.
  const std::string& writeWarning() const { return writeWarning_; }

 private:
  bool Open();

  std::string cachePath_;
  std::string dataPath_;
  size_t sampleFloats_;
  TrtProgress progress_;
  std::ifstream data_;
  bool opened_ = false;
  size_t samples_ = 0;
  size_t next_ = 0;
  std::vector<float> host_;
  void* device_ = nullptr;
  std::vector<char> cache_;
  bool written_ = false;
  std::string error_;
  std::string writeWarning_;
};
DOFA_IGNORE_DEPRECATED_END

}  // namespace dofa

#endif
