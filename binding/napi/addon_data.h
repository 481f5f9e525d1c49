// Per-env state (one per main thread / worker_thread): no static N-API handles, so the addon loads in
// several worker_threads at once.
#pragma once

#include <napi.h>

namespace dofa {

struct AddonData {
  Napi::FunctionReference familyConstructor;
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace dofa
