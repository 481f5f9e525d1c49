#include <napi.h>

#include "core/backend.h"
#include "core/dla_reservations.h"
#include "core/heap.h"
#include "napi/addon_data.h"
#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "napi/load_model.h"
#include "napi/model_wrap.h"
#include "napi/optimize_model.h"
#include "ort/ort_runtime.h"
#ifdef DYNAMIC_OFA_WITH_TENSORRT
#include "napi/trt_functions.h"
#endif

namespace dofa {
namespace {

// Backends compiled into this binary.
Napi::Value Backends(const Napi::CallbackInfo& info) { return StringArray(info.Env(), CompiledBackends()); }

// runtimeVersion(ortLibrary) -> the ONNX Runtime library's version string (loads it if needed).
Napi::Value RuntimeVersion(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsString()) ThrowContractJs(info.Env(), "runtimeVersion(libraryPath) needs a path");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  return Napi::String::New(info.Env(), CallNative(info.Env(), [&] { return OrtRuntime::LibraryVersion(path); }));
}

// dlaResidency(core) -> the DLA loadables this process's resident models hold on DLA core `core`, counted over
// every JS realm and worker_thread (core/dla_reservations.h).
Napi::Value DlaResidency(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowContractJs(info.Env(), "dlaResidency(core) needs a DLA core number");
  const int64_t core = info[0].As<Napi::Number>().Int64Value();
  if (core < 0 || core > 255) ThrowContractJs(info.Env(), "dlaResidency: DLA core " + std::to_string(core));
  return Napi::Number::New(info.Env(), ResidentDlaLoadables(static_cast<int>(core)));
}

// heapStats() -> { available, inUseBytes, freeBytes }: the C heap as glibc counts it (core/heap.h), for the soak and
// the bench to tell a leak (in use grows) from memory the allocator keeps (free grows).
Napi::Value HeapStatsJs(const Napi::CallbackInfo& info) {
  const HeapStats stats = ReadHeapStats();
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("available", stats.available);
  result.Set("inUseBytes", static_cast<double>(stats.inUseBytes));
  result.Set("freeBytes", static_cast<double>(stats.freeBytes));
  return result;
}

// useErrors(makeError): from now on every error the addon throws or rejects with is makeError(code, message), lib/'s
// typed error for the code (napi/js_errors.h).
Napi::Value UseErrors(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) ThrowContractJs(info.Env(), "useErrors(makeError) needs a function");
  GetAddonData(info.Env()).makeError = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->modelConstructor = Napi::Persistent(ModelWrap::Define(env));
  env.SetInstanceData(data);
  exports.Set("useErrors", Napi::Function::New<UseErrors>(env, "useErrors"));
  exports.Set("loadModel", Napi::Function::New<LoadModel>(env, "loadModel"));
  exports.Set("optimizeModel", Napi::Function::New<OptimizeModel>(env, "optimizeModel"));
  exports.Set("backends", Napi::Function::New<Backends>(env, "backends"));
  exports.Set("runtimeVersion", Napi::Function::New<RuntimeVersion>(env, "runtimeVersion"));
  exports.Set("dlaResidency", Napi::Function::New<DlaResidency>(env, "dlaResidency"));
  exports.Set("heapStats", Napi::Function::New<HeapStatsJs>(env, "heapStats"));
#ifdef DYNAMIC_OFA_WITH_TENSORRT
  RegisterTensorRt(env, exports);  // tensorrtInfo(), buildEngine()
#endif
  return exports;
}

}  // namespace
}  // namespace dofa

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dofa::Init(env, exports); }
NODE_API_MODULE(dynamic_ofa, InitModule)
