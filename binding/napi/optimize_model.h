// optimizeModel(ortLibrary, threads, onnxPath, outputPath) -> Promise<{ bytes, contentHash }>: writes the model as ONNX
// Runtime optimizes it for this CPU (ort/model_optimizer.h), off the JS thread. lib/engines/optimized-onnx.ts decides where and when.
#pragma once

#include <napi.h>

namespace dofa {

Napi::Value OptimizeModel(const Napi::CallbackInfo& info);

}  // namespace dofa
