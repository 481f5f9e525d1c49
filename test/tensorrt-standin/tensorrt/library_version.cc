#include "tensorrt/library_version.h"

#include <NvInferVersion.h>

#include <cstdio>

#include "common/faults.h"

namespace dofa_standin {

std::string TrtVersion::Text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) + "." + std::to_string(build);
}

const TrtVersion& LibraryVersion() {
  static const TrtVersion version = [] {
    TrtVersion v{NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH, NV_TENSORRT_BUILD};
    const std::string text = Env("DYNAMIC_OFA_STANDIN_TENSORRT_VERSION");
    if (!text.empty()) {
      TrtVersion parsed;
      char tail = 0;
      if (std::sscanf(text.c_str(), "%d.%d.%d.%d%c", &parsed.major, &parsed.minor, &parsed.patch, &parsed.build, &tail) == 4) {
        v = parsed;
      } else {
        std::fprintf(stderr, "stand-in: ignoring DYNAMIC_OFA_STANDIN_TENSORRT_VERSION='%s' (expected major.minor.patch.build)\n",
                     text.c_str());
      }
    }
    return v;
  }();
  return version;
}

TrtVersion DecodeEncodedVersion(int64_t encoded) {
  const bool wide = encoded >= 10000;  // 10.0.0 = 100000; 8.x stays below 10000
  const int64_t scale = wide ? 10000 : 1000;
  const int64_t rest = encoded % scale;
  return TrtVersion{static_cast<int32_t>(encoded / scale), static_cast<int32_t>(rest / 100), static_cast<int32_t>(rest % 100), 0};
}

}  // namespace dofa_standin
