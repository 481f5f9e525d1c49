// The one logger of the process, as TensorRT keeps it: the first ILogger given to createInferBuilder or
// createInferRuntime is used for everything created afterwards (TensorRT's "maintains only a single logger pointer"),
// and a different one passed later only earns a warning. Errors the stand-in reports go through it at kERROR.
#pragma once

#include <NvInfer.h>

#include <string>

namespace dofa_standin {

using Severity = nvinfer1::ILogger::Severity;

// Keeps `logger` when none is kept yet; warns (through the kept one) when another is passed later.
void AdoptLogger(nvinfer1::ILogger* logger);
// The kept logger, or nullptr.
nvinfer1::ILogger* ProcessLogger();
// Logs through the kept logger (stderr, prefixed, when there is none yet). Never throws.
void Log(Severity severity, const std::string& message);
inline void LogError(const std::string& message) { Log(Severity::kERROR, message); }
inline void LogWarning(const std::string& message) { Log(Severity::kWARNING, message); }
inline void LogInfo(const std::string& message) { Log(Severity::kINFO, message); }

// Fault injection at the entry of a TensorRT call (common/faults.h): true when this call must fail, after logging
// the error TensorRT would log for it.
bool InjectedFault(const char* entryPoint);

}  // namespace dofa_standin
