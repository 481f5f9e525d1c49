// Errors with a stable code. Native code throws dofa::Error anywhere (also on worker threads); the N-API layer
// (napi/js_errors.h) turns it into the typed JS error that lib/errors.ts makes for its code.
#pragma once

#include <new>
#include <stdexcept>
#include <string>

namespace dofa {

// lib/errors.ts maps each code to a typed error class. Input errors (E_INPUT_*, E_SUBNET_UNKNOWN) and E_BUSY are
// raised there, where input is checked and runs are queued; the addon never raises them.
namespace codes {
inline constexpr const char* kModelLoad = "E_MODEL_LOAD";
inline constexpr const char* kFamilyInvalid = "E_FAMILY_INVALID";
inline constexpr const char* kClosed = "E_CLOSED";
inline constexpr const char* kBackendUnavailable = "E_BACKEND_UNAVAILABLE";
inline constexpr const char* kRuntimeLoad = "E_RUNTIME_LOAD";
inline constexpr const char* kThreads = "E_THREADS";
inline constexpr const char* kInference = "E_INFERENCE";
inline constexpr const char* kInvalidArgument = "E_INVALID_ARGUMENT";
inline constexpr const char* kOutOfMemory = "E_OUT_OF_MEMORY";
inline constexpr const char* kInternal = "E_INTERNAL";
}  // namespace codes

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

  // A model file the backend refuses as made for another library or device (a TensorRT plan that does not
  // deserialize): E_MODEL_LOAD, naming the file so that lib/ can treat its engine as stale and rebuild it.
  static Error RejectedModel(const std::string& path, const std::string& message) {
    Error error(codes::kModelLoad, message);
    error.rejectedModel_ = path;
    return error;
  }
  // That file, or "" for any other error.
  const std::string& rejectedModel() const { return rejectedModel_; }

  // A model that contradicts family.json (channels, resolution, output shape): E_FAMILY_INVALID with the JSON path
  // of the manifest field (`/subnets/2/resolution`), for lib/ to report as a problem of that family.json.
  static Error ManifestProblem(const std::string& manifestPath, const std::string& message) {
    Error error(codes::kFamilyInvalid, message);
    error.manifestPath_ = manifestPath;
    return error;
  }
  // That path, or "" for any other error.
  const std::string& manifestPath() const { return manifestPath_; }

 private:
  std::string code_;
  std::string rejectedModel_;
  std::string manifestPath_;
};

// TypeScript (lib/) checks every user-facing value and makes the messages users see; the addon asserts only what
// memory safety needs. A failed assert is a bug between lib/ and the addon, never a user error.
[[noreturn]] inline void ContractViolation(const std::string& what) {
  throw Error(codes::kInternal, "binding contract: " + what);
}

// Runs `work` and turns whatever it throws into a stable (code, message) instead; false when it threw.
// For code that runs off the JS thread, where the error is reported later.
template <typename Work>
bool CaptureErrors(Work&& work, std::string* code, std::string* message) {
  try {
    work();
    return true;
  } catch (const Error& error) {
    *code = error.code();
    *message = error.what();
  } catch (const std::bad_alloc&) {
    *code = codes::kOutOfMemory;
    *message = "out of memory";
  } catch (const std::exception& error) {
    *code = codes::kInternal;
    *message = error.what();
  }
  return false;
}

}  // namespace dofa
