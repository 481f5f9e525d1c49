#include "tensorrt/optimization_profile.h"

#include "tensorrt/dims.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {

using nvinfer1::OptProfileSelector;

#if NV_TENSORRT_MAJOR >= 10
bool StandinOptimizationProfile::setDimensions(char const* inputName, OptProfileSelector select, nvinfer1::Dims const& dims) noexcept {
#else
bool StandinOptimizationProfile::setDimensions(char const* inputName, OptProfileSelector select, nvinfer1::Dims dims) noexcept {
#endif
  std::vector<int64_t> shape;
  if (inputName == nullptr || !FromDims(dims, &shape)) {
    LogError("3: [optimizationProfile.cpp::setDimensions] Error Code 3: API Usage Error (invalid input name or dims)");
    return false;
  }
  for (int64_t d : shape) {
    if (d < 0) {
      LogError(std::string("3: [optimizationProfile.cpp::setDimensions] Error Code 3: API Usage Error (negative dimension for '") +
               inputName + "')");
      return false;
    }
  }
  ProfileRange& range = ranges_[inputName];
  (select == OptProfileSelector::kMIN ? range.min : select == OptProfileSelector::kOPT ? range.opt : range.max) = shape;
  return true;
}

nvinfer1::Dims StandinOptimizationProfile::getDimensions(char const* inputName, OptProfileSelector select) const noexcept {
  const auto found = inputName != nullptr ? ranges_.find(inputName) : ranges_.end();
  if (found == ranges_.end()) return InvalidDims();
  const ProfileRange& range = found->second;
  const std::vector<int64_t>& shape = select == OptProfileSelector::kMIN ? range.min : select == OptProfileSelector::kOPT ? range.opt : range.max;
  return shape.empty() ? InvalidDims() : ToDims(shape);
}

bool StandinOptimizationProfile::isValid() const noexcept {
  for (const auto& entry : ranges_) {
    const ProfileRange& r = entry.second;
    if (!r.complete() || r.min.size() != r.opt.size() || r.opt.size() != r.max.size()) return false;
    for (size_t i = 0; i < r.min.size(); ++i) {
      if (r.min[i] > r.opt[i] || r.opt[i] > r.max[i]) return false;
    }
  }
  return !ranges_.empty();
}

std::string ProfileProblem(const std::string& input, const std::vector<int64_t>& dims, const ProfileRange& range) {
  if (!range.complete()) return "the profile lacks kMIN, kOPT or kMAX dims for input '" + input + "'";
  if (range.min.size() != dims.size() || range.opt.size() != dims.size() || range.max.size() != dims.size()) {
    return "the profile's dims for input '" + input + "' have another rank than " + ShapeText(dims);
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    if (range.min[i] > range.opt[i] || range.opt[i] > range.max[i]) return "the profile for input '" + input + "' violates min <= opt <= max";
    if (dims[i] >= 0 && (range.min[i] != dims[i] || range.max[i] != dims[i])) {
      return "the profile for input '" + input + "' differs from its static dimension " + std::to_string(i) + " (" + ShapeText(dims) + ")";
    }
  }
  return "";
}

}  // namespace dofa_standin
