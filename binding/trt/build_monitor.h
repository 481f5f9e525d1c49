// Build progress from TensorRT 10's IProgressMonitor. TensorRT calls it from several internal threads (its header:
// "must be thread-safe so that it can be called from multiple internal threads"), so every callback takes one
// lock and the monitor owns its copy of the progress callback. Phases are nested; only top-level phases become
// progress events. Compiled only with DYNAMIC_OFA_WITH_TENSORRT, and empty before TensorRT 10.
#pragma once

#include "trt/trt_builder.h"
#include "trt/trt_common.h"

#if NV_TENSORRT_MAJOR >= 10

#include <mutex>
#include <string>

namespace dofa {
namespace trt {

class BuildMonitor final : public nvinfer1::IProgressMonitor {
 public:
  explicit BuildMonitor(TrtProgress progress) : progress_(std::move(progress)) {}

  void phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept override {
    if (parentPhase != nullptr || phaseName == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    phase_ = phaseName;
    steps_ = nbSteps;
    Send(0);
  }

  bool stepComplete(char const* phaseName, int32_t step) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (steps_ > 0 && phaseName != nullptr && phase_ == phaseName) Send(static_cast<double>(step + 1) / steps_);
    return true;  // never cancel
  }

  void phaseFinish(char const* phaseName) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (phaseName != nullptr && phase_ == phaseName) steps_ = 0;
  }

 private:
  void Send(double fraction) noexcept {
    try {
      if (progress_) progress_("build", fraction, phase_);
    } catch (...) {
      // progress must not throw into TensorRT
    }
  }

  std::mutex mutex_;
  TrtProgress progress_;
  std::string phase_;
  int32_t steps_ = 0;
};

}  // namespace trt
}  // namespace dofa

#endif
