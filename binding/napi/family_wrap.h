// The JS face of a native Family (NativeFamily): its lifecycle, async and sync runs, the shared buffer views.
#pragma once

#include <napi.h>

#include <memory>

#include "core/family.h"
#include "core/run_thread.h"
#include "napi/shared_views.h"

namespace dofa {

struct RunJob;

class FamilyWrap : public Napi::ObjectWrap<FamilyWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new NativeFamily(External<shared_ptr<Family>>, allowExternalBuffers): made by loadFamily() only.
  explicit FamilyWrap(const Napi::CallbackInfo& info);
  ~FamilyWrap() override;

 private:
  // Settles a finished run on the JS thread (env is null when the env is going away: only free the job).
  static void Complete(Napi::Env env, Napi::Function callback, FamilyWrap* wrap, RunJob* job);
  using CompletionQueue = Napi::TypedThreadSafeFunction<FamilyWrap, RunJob, &FamilyWrap::Complete>;
  static void OnEnvCleanup(void* wrap);
  // Joins the run thread and releases the completion queue; idempotent.
  void StopRunner();

  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value SubnetInfo(const Napi::CallbackInfo& info);
  Napi::Value DeviceMemory(const Napi::CallbackInfo& info);
  Napi::Value GetInputBuffer(const Napi::CallbackInfo& /*info*/) { return views_.input(); }
  Napi::Value GetOutputBuffer(const Napi::CallbackInfo& /*info*/) { return views_.output(); }
  Napi::Value GetExternalBuffers(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !views_.mirrored()); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), family_ == nullptr); }

  // JS thread: reads (subnet, input), takes the family for one run and fills the shared input; returns the
  // family to run. Throws a JS error before anything is queued.
  std::shared_ptr<Family> BeginRun(const Napi::CallbackInfo& info, RunRequest* request);
  // JS thread, after a run: frees the family for the next run and refreshes copied views.
  void EndRun(const std::shared_ptr<Family>& family, bool hadFrame);

  std::shared_ptr<Family> family_;
  SharedViews views_;
  std::unique_ptr<RunThread> runThread_;
  CompletionQueue completions_;
  bool completionsLive_ = false;
  size_t inFlight_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace dofa
