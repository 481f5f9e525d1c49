// loadModel(models, modelOffsets, modelContentHashes, subnets, resolutions, dlaLoadables, backend, dlaCore, dlaLoadableLimit, ortLibrary,
// threads, ortSessionDefaults, shareWeights, warmupRuns, channels, format, mean, std, externalBuffers) -> Promise<NativeModel>: plain positional values
// that lib/native/addon.ts's loadNativeModel() computes, and the load off the JS thread.
#pragma once

#include <napi.h>

namespace dofa {

Napi::Value LoadModel(const Napi::CallbackInfo& info);

}  // namespace dofa
