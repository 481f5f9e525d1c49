// The one TensorRT logger of the process, and per-call capture of what it logs.
//
// TensorRT keeps a single logger pointer for the process: the first ILogger given to a builder, runtime or
// refitter is used for everything created later (TensorRT warns "maintains only a single logger pointer ... the
// existing value will be used instead"), and it must outlive all of them. So every builder and runtime gets
// ProcessLogger(), which is never destroyed, and a call that wants TensorRT's messages for its error opens a
// LogCapture on its thread. Messages logged on a thread without a capture (TensorRT's own threads) are kept in a
// short ring and attached only to captures that were open when they were logged, so an old error never explains a
// new failure. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <NvInfer.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dofa {
namespace trt {

nvinfer1::ILogger& ProcessLogger();

class LogCapture {
 public:
  struct Options {
    bool warnings = false;  // keep warnings too (build reports)
    // keep informational messages that start with one of these (the builder's DLA/GPU placement lines)
    std::vector<std::string> infoPrefixes;
  };
  LogCapture();
  explicit LogCapture(Options options);
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // Errors logged since this capture opened ("; "-joined; "" when none), the other threads' marked as such.
  std::string Errors() const;
  const std::vector<std::string>& warnings() const { return warnings_; }
  const std::vector<std::string>& info() const { return info_; }

  // Called by the logger on this capture's thread.
  void Add(nvinfer1::ILogger::Severity severity, const char* message);

 private:
  Options options_;
  LogCapture* outer_;
  uint64_t openedAt_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  std::vector<std::string> info_;
};

}  // namespace trt
}  // namespace dofa
