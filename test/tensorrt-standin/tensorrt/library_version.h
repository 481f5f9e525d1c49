// The TensorRT version this libnvinfer reports: the headers' NV_TENSORRT_MAJOR/MINOR/PATCH/BUILD unless
// DYNAMIC_OFA_STANDIN_TENSORRT_VERSION=major.minor.patch.build says otherwise (to play an older or newer library).
// Plans and timing caches carry it, build number included: TensorRT refuses a plan of any other build.
#pragma once

#include <cstdint>
#include <string>

namespace dofa_standin {

struct TrtVersion {
  int32_t major = 0;
  int32_t minor = 0;
  int32_t patch = 0;
  int32_t build = 0;
  // getInferLibVersion's encoding: MAJ*1000+MIN*100+PATCH before 10, MAJ*10000+MIN*100+PATCH from 10.
  int32_t Encoded() const { return (major < 10 ? major * 1000 : major * 10000) + minor * 100 + patch; }
  std::string Text() const;  // "10.3.0.26"
  bool operator==(const TrtVersion& other) const {
    return major == other.major && minor == other.minor && patch == other.patch && build == other.build;
  }
  bool operator!=(const TrtVersion& other) const { return !(*this == other); }
};

// Read once per process.
const TrtVersion& LibraryVersion();

// Decodes a version passed to createInferBuilder_INTERNAL / createInferRuntime_INTERNAL (NV_TENSORRT_VERSION of the
// caller's headers) into major, minor, patch.
TrtVersion DecodeEncodedVersion(int64_t encoded);

}  // namespace dofa_standin
