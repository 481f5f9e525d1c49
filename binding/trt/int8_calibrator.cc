#include "trt/int8_calibrator.h"

#if NV_TENSORRT_MAJOR < 11

#include <cuda_runtime_api.h>

#include "trt/file_io.h"
#include "trt/trt_library.h"

namespace dofa {

EntropyCalibrator::EntropyCalibrator(std::string cachePath, std::string dataPath, size_t sampleFloats, TrtProgress progress)
    : cachePath_(std::move(cachePath)), dataPath_(std::move(dataPath)), sampleFloats_(sampleFloats),
      progress_(std::move(progress)) {}

EntropyCalibrator::~EntropyCalibrator() {
  if (device_ != nullptr) static_cast<void>(trt::Cuda().Free(device_));
}

bool EntropyCalibrator::Open() {
  opened_ = true;
  data_.open(dataPath_, std::ios::binary | std::ios::ate);
  if (!data_) {
    error_ = "cannot read calibration data '" + dataPath_ + "'";
    return false;
  }
  const auto bytes = static_cast<size_t>(data_.tellg());
  samples_ = bytes / (sampleFloats_ * sizeof(float));
  data_.seekg(0);
  if (samples_ == 0 || bytes % (sampleFloats_ * sizeof(float)) != 0) {
    error_ = "calibration data '" + dataPath_ + "' is not a whole number of " + std::to_string(sampleFloats_) +
             "-float samples";
    return false;
  }
  host_.resize(sampleFloats_);
  if (trt::Cuda().Malloc(&device_, sampleFloats_ * sizeof(float)) != cudaSuccess) {
    error_ = "cudaMalloc for calibration failed";
    return false;
  }
  return true;
}

bool EntropyCalibrator::getBatch(void* bindings[], char const* /*names*/[], int32_t nbBindings) noexcept {
  try {
    if (nbBindings != 1) return false;
    if (!opened_ && !Open()) {
      samples_ = 0;  // nothing to feed after a failed start
      return false;
    }
    if (next_ >= samples_) return false;
    if (!data_.read(reinterpret_cast<char*>(host_.data()), static_cast<std::streamsize>(sampleFloats_ * sizeof(float)))) {
      error_ = "short read in calibration data";
      return false;
    }
    if (trt::Cuda().Memcpy(device_, host_.data(), sampleFloats_ * sizeof(float), cudaMemcpyHostToDevice) != cudaSuccess) {
      error_ = "cudaMemcpy for calibration failed";
      return false;
    }
    bindings[0] = device_;
    ++next_;
    if (progress_) {
      progress_("calibrate", static_cast<double>(next_) / static_cast<double>(samples_),
                "calibration sample " + std::to_string(next_) + "/" + std::to_string(samples_));
    }
    return true;
  } catch (...) {
    error_ = "calibration failed";
    return false;
  }
}

void const* EntropyCalibrator::readCalibrationCache(std::size_t& length) noexcept {
  length = 0;
  try {
    if (cachePath_.empty() || !ReadWholeFile(cachePath_, &cache_) || cache_.empty()) return nullptr;
    length = cache_.size();
    return cache_.data();
  } catch (...) {
    return nullptr;
  }
}

void EntropyCalibrator::writeCalibrationCache(void const* ptr, std::size_t length) noexcept {
  const std::string notWritten = "the int8 calibration cache was not written (the next build calibrates again): ";
  try {
    if (!cachePath_.empty()) {
      WriteFileAtomically(cachePath_, ptr, length);
      written_ = true;
    }
  } catch (const std::exception& error) {
    writeWarning_ = notWritten + error.what();
  } catch (...) {
    writeWarning_ = notWritten + "unknown error";
  }
}

}  // namespace dofa

#endif
