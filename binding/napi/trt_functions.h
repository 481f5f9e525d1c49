// JS functions of the TensorRT backend: tensorrtProbe(), tensorrtInfo() and buildEngine(onnx, dlaCore, ..., onProgress).
// Compiled only with DYNAMIC_OFA_WITH_TENSORRT; addon.cc calls RegisterTensorRt under the same #ifdef.
#pragma once

#include <napi.h>

namespace dofa {

void RegisterTensorRt(Napi::Env env, Napi::Object exports);

}  // namespace dofa
