// NativeModel, the JS face of a native Model: its lifecycle (made by loadModel, close, shutdown), asynchronous and
// synchronous runs, the shared buffer views, and the timings of the last run.
#pragma once

#include <napi.h>

#include <memory>

#include "core/model.h"
#include "core/run_thread.h"
#include "napi/shared_views.h"

namespace dofa {

struct RunJob;

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new NativeModel(External<shared_ptr<Model>>, externalBuffers): made by loadModel() only.
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

 private:
  // Settles a finished run on the JS thread (env is null when the env is going away: only free the job).
  static void Complete(Napi::Env env, Napi::Function callback, ModelWrap* wrap, RunJob* job);
  using CompletionQueue = Napi::TypedThreadSafeFunction<ModelWrap, RunJob, &ModelWrap::Complete>;
  static void OnEnvCleanup(void* wrap);
  // Joins the run thread and releases the completion queue; idempotent.
  void StopRunner();
  // StopRunner(), then lets go of the model: closed from JS's side. Idempotent.
  void Release();
  // Release() when the env or the process is going away (shutdown(), the env cleanup hook): the heap is not returned.
  void ReleaseForExit();

  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value RunSync(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value SubnetInfo(const Napi::CallbackInfo& info);
  Napi::Value DeviceMemory(const Napi::CallbackInfo& info);
  Napi::Value GetInputBuffer(const Napi::CallbackInfo& /*info*/) { return views_.input(); }
  Napi::Value GetOutputBuffer(const Napi::CallbackInfo& /*info*/) { return views_.output(); }
  Napi::Value GetExternalBuffers(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !views_.mirrored()); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), model_ == nullptr); }
  Napi::Value GetTimings(const Napi::CallbackInfo& /*info*/) { return timings_.Value(); }

  // JS thread: reads the run's arguments, takes the model for one run and fills the shared input; returns the
  // model to run. Throws a JS error before anything is queued.
  std::shared_ptr<Model> BeginRun(const Napi::CallbackInfo& info, RunRequest* request);
  // JS thread, after a run: frees the model for the next run, refreshes copied views and, when it ran, writes its
  // timings.
  void EndRun(const std::shared_ptr<Model>& model, bool hadImage, const RunResult* result);

  std::shared_ptr<Model> model_;
  SharedViews views_;
  // [latencyMs, deviceMs (-1: not measured), preprocessMs] of the last run (lib/native/addon.ts's TIMING): lib/
  // reads it when the run settles.
  Napi::Reference<Napi::Float64Array> timings_;
  std::unique_ptr<RunThread> runThread_;
  CompletionQueue completions_;
  bool completionsLive_ = false;
  size_t inFlight_ = 0;
  napi_env env_ = nullptr;
};

}  // namespace dofa
