// The JS face of a native Family: shared buffer views, async and sync runs, close().
#pragma once

#include <napi.h>

#include <memory>

#include "core/family.h"
#include "core/run_thread.h"

namespace dofa {

struct RunJob;

class FamilyWrap : public Napi::ObjectWrap<FamilyWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // loadFamily(options) -> Promise<Family>
  static Napi::Value LoadFamily(const Napi::CallbackInfo& info);

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
  Napi::Value GetInputBuffer(const Napi::CallbackInfo& /*info*/) { return inputView_.Value(); }
  Napi::Value GetOutputBuffer(const Napi::CallbackInfo& /*info*/) { return outputView_.Value(); }
  Napi::Value GetExternalBuffers(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !mirrored_); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), family_ == nullptr); }

  // Validates (subnet, input) on the JS thread and prepares the shared input; returns the family to run.
  // Throws a JS error before anything is queued. `frame` is filled for image input.
  std::shared_ptr<Family> BeginRun(const Napi::CallbackInfo& info, size_t* subnet, Frame* frame, bool* hasFrame);
  // JS thread, after a run: refreshes copy-fallback views and frees the family for the next run.
  void EndRun(const std::shared_ptr<Family>& family, bool hadFrame);
  Napi::Object MakeResult(Napi::Env env, size_t subnet, const RunResult& result) const;

  std::shared_ptr<Family> family_;
  Napi::Reference<Napi::ArrayBuffer> inputView_;
  Napi::Reference<Napi::ArrayBuffer> outputView_;
  bool mirrored_ = false;  // external ArrayBuffers refused: JS-owned copies synchronized around each run
  std::unique_ptr<RunThread> runThread_;
  CompletionQueue completions_;
  bool completionsLive_ = false;
  size_t inFlight_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace dofa
