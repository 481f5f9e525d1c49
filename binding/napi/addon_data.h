// Per-env state (one per main thread / worker_thread): no static N-API handles, so the addon loads in
// several worker_threads at once.
#pragma once

#include <napi.h>

namespace dofa {

struct AddonData {
  Napi::FunctionReference modelConstructor;
  // lib/'s makeError(code, message), registered with useErrors(): every error the addon throws or rejects with is
  // made by it (napi/js_errors.h). Empty until then: plain Errors carrying `code`.
  Napi::FunctionReference makeError;
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace dofa
