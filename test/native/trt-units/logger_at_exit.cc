// The process logger after static destruction (binding/trt/trt_logger.cc): a TensorRT thread may log while the
// process exits, after this file's and the addon's statics are destroyed. An atexit handler registered before
// any C++ static exists runs after all of them are destroyed; it logs an error on a thread without a capture (the
// ring) and reads it back through a capture. Built with AddressSanitizer by trt-units.test.ts: a logger whose
// mutex and ring are statics of its file writes into a destroyed ring here, which ASan reports.
#include <cstdio>
#include <cstdlib>

#include "trt/trt_logger.h"

namespace {

void LogAfterStaticDestruction() {
  using Severity = nvinfer1::ILogger::Severity;
  dofa::trt::ProcessLogger().log(Severity::kERROR, "logged by a TensorRT thread at exit");
  dofa::trt::LogCapture capture;
  dofa::trt::ProcessLogger().log(Severity::kERROR, "logged with a capture at exit");
  std::printf("at exit: %s\n", capture.Errors().c_str());
}

// Priority 101 runs before every default-priority initializer, so the handler is registered first and runs last.
__attribute__((constructor(101))) void RegisterFirst() { std::atexit(LogAfterStaticDestruction); }

}  // namespace

int main() {
  dofa::trt::ProcessLogger().log(nvinfer1::ILogger::Severity::kERROR, "logged in main");
  std::printf("main done\n");
  return 0;
}
