// IOptimizationProfile: min/opt/max dims per input name. Profiles belong to the builder that created them; the
// builder config copies what addOptimizationProfile is given (valid when every input it names has all three
// selectors with equal ranks and min <= opt <= max).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "aborting_interfaces.h"

namespace dofa_standin {

struct ProfileRange {
  std::vector<int64_t> min, opt, max;
  bool complete() const { return !min.empty() && !opt.empty() && !max.empty(); }
};

class StandinOptimizationProfile final : public nvinfer1::IOptimizationProfile,
                                         public nvinfer1::apiv::AbortingVOptimizationProfile {
 public:
  StandinOptimizationProfile() { mImpl = this; }

#if NV_TENSORRT_MAJOR >= 10
  bool setDimensions(char const* inputName, nvinfer1::OptProfileSelector select, nvinfer1::Dims const& dims) noexcept override;
#else
  bool setDimensions(char const* inputName, nvinfer1::OptProfileSelector select, nvinfer1::Dims dims) noexcept override;  // 8.5: by value
#endif
  nvinfer1::Dims getDimensions(char const* inputName, nvinfer1::OptProfileSelector select) const noexcept override;
  bool isValid() const noexcept override;
  bool setExtraMemoryTarget(float target) noexcept override { return target >= 0 ? (extraMemoryTarget_ = target, true) : false; }
  float getExtraMemoryTarget() const noexcept override { return extraMemoryTarget_; }

  const std::map<std::string, ProfileRange>& ranges() const { return ranges_; }

 private:
  std::map<std::string, ProfileRange> ranges_;
  float extraMemoryTarget_ = 1.0f;
};

// Why `range` is not a usable profile for an input of `dims` (-1 = dynamic), or "" when it is.
std::string ProfileProblem(const std::string& input, const std::vector<int64_t>& dims, const ProfileRange& range);

}  // namespace dofa_standin
