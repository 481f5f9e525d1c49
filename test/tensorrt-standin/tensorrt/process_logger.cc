#include "tensorrt/process_logger.h"

#include <atomic>
#include <cstdio>

#include "common/faults.h"

namespace dofa_standin {
namespace {

std::atomic<nvinfer1::ILogger*> kept{nullptr};

}  // namespace

void AdoptLogger(nvinfer1::ILogger* logger) {
  if (logger == nullptr) return;
  nvinfer1::ILogger* expected = nullptr;
  if (kept.compare_exchange_strong(expected, logger) || expected == logger) return;
  Log(Severity::kWARNING,
      "The logger passed into createInferBuilder/createInferRuntime differs from one already provided. TensorRT "
      "maintains only a single logger pointer at any given time; the existing value will be used instead.");
}

nvinfer1::ILogger* ProcessLogger() { return kept.load(); }

void Log(Severity severity, const std::string& message) {
  try {
    nvinfer1::ILogger* logger = kept.load();
    if (logger != nullptr) {
      logger->log(severity, message.c_str());
    } else if (severity <= Severity::kWARNING) {
      std::fprintf(stderr, "stand-in TensorRT (no logger yet): %s\n", message.c_str());
    }
  } catch (...) {
    // a logger must not throw into TensorRT; if it does, the message is lost
  }
}

bool InjectedFault(const char* entryPoint) {
  if (!ShouldFail(entryPoint)) return false;
  LogError(std::string("1: [stand-in] Error Code 1: Internal Error (") + entryPoint +
           (DeviceLost() ? " failed: the device was lost (injected fault))" : " failed (injected fault))"));
  return true;
}

}  // namespace dofa_standin
