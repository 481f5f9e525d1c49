#include "napi/model_wrap.h"

#include <string>

#include "napi/js_errors.h"
#include "napi/js_results.h"
#include "napi/run_args.h"

namespace dofa {

// One asynchronous run: made on the JS thread, executed on the model's run thread, settled on the JS thread.
struct RunJob {
  std::shared_ptr<Model> model;
  RunRequest request;
  Napi::Promise::Deferred deferred;
  Napi::Reference<Napi::Value> pinnedImage;  // keeps the image's bytes alive while the run thread reads them
  RunResult result;
  bool failed = false;
  std::string errorCode;
  std::string errorMessage;

  explicit RunJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void Execute() {
    failed = !CaptureErrors([this] { result = model->Run(request); }, &errorCode, &errorMessage);
  }

  // The run thread stopped (shutdown(), env teardown) before this run's turn: it settles as closed, unrun.
  void Cancel() {
    failed = true;
    errorCode = codes::kClosed;
    errorMessage = "the model was shut down before this inference started";
  }

  // Frees the job where no N-API call is allowed any more (env teardown).
  static void Discard(RunJob* job) {
    job->pinnedImage.SuppressDestruct();
    delete job;
  }

  // Run thread (or the thread stopping it): hands the job to the JS thread to settle.
  template <typename CompletionQueue>
  static void Deliver(CompletionQueue& completions, RunJob* job) {
    if (completions.NonBlockingCall(job) != napi_ok) Discard(job);  // the env is going away
  }
};

namespace {

enum Timing { kLatencyMs, kDeviceMs, kPreprocessMs, kTimings };

}  // namespace

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod<&ModelWrap::Run>("run"), InstanceMethod<&ModelWrap::RunSync>("runSync"),
                      InstanceMethod<&ModelWrap::Close>("close"), InstanceMethod<&ModelWrap::Shutdown>("shutdown"),
                      InstanceMethod<&ModelWrap::SubnetInfo>("subnetInfo"),
                      InstanceMethod<&ModelWrap::DeviceMemory>("deviceMemory"),
                      InstanceAccessor<&ModelWrap::GetInputBuffer>("inputBuffer"),
                      InstanceAccessor<&ModelWrap::GetOutputBuffer>("outputBuffer"),
                      InstanceAccessor<&ModelWrap::GetExternalBuffers>("externalBuffers"),
                      InstanceAccessor<&ModelWrap::GetClosed>("closed"),
                      InstanceAccessor<&ModelWrap::GetTimings>("timings")});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal()) ThrowContractJs(env, "NativeModel is made by loadModel() only");
  model_ = *info[0].As<Napi::External<std::shared_ptr<Model>>>().Data();
  views_ = SharedViews(env, model_->buffers(), info[1].ToBoolean());
  Napi::Float64Array timings = Napi::Float64Array::New(env, kTimings);
  timings[kDeviceMs] = -1;
  timings_ = Napi::Persistent(timings);

  env_ = env;
  completions_ = CompletionQueue::New(env, "dynamic-ofa inference", 0, 1, this);
  completionsLive_ = true;
  completions_.Unref(env);  // an idle model does not keep the process alive
  runThread_ = std::make_unique<RunThread>();
  // Registered after the completion queue, so it runs before N-API tears that queue down.
  napi_add_env_cleanup_hook(env, &ModelWrap::OnEnvCleanup, this);
}

ModelWrap::~ModelWrap() { StopRunner(); }

// The env is going away (the process exits, a worker_thread ends): release the sessions now, so that ONNX Runtime's
// env and its thread pools are gone before the exit handlers free what those threads read.
void ModelWrap::OnEnvCleanup(void* wrap) { static_cast<ModelWrap*>(wrap)->ReleaseForExit(); }

// As Release(), with the heap kept as it is: nobody will allocate from it again.
void ModelWrap::ReleaseForExit() {
  if (model_) model_->KeepHeapOnDestruction();
  Release();
}

void ModelWrap::Release() {
  StopRunner();
  model_.reset();  // sessions are released here (or by the last queued job); the shared buffers live on while views exist
}

void ModelWrap::StopRunner() {
  if (!completionsLive_) return;
  completionsLive_ = false;
  napi_remove_env_cleanup_hook(env_, &ModelWrap::OnEnvCleanup, this);
  runThread_.reset();  // waits for the run in progress; one still waiting settles as closed (RunJob::Cancel)
  completions_.Release();
}

void ModelWrap::Complete(Napi::Env env, Napi::Function /*callback*/, ModelWrap* wrap, RunJob* job) {
  if (env == nullptr) {
    RunJob::Discard(job);
    return;
  }
  // Called from the event loop, not from JS: nothing may throw out of here. N-API calls fail (and
  // node-addon-api throws) when JS can no longer run, e.g. while a worker_thread is being terminated.
  try {
    Napi::HandleScope scope(env);
    wrap->EndRun(job->model, job->request.hasImage, job->failed ? nullptr : &job->result);
    if (job->failed) {
      job->deferred.Reject(MakeJsError(env, job->errorCode, job->errorMessage).Value());
    } else {
      job->deferred.Resolve(env.Undefined());
    }
  } catch (const Napi::Error&) {
    // the promise cannot be settled any more; its env is going away
  }
  if (--wrap->inFlight_ == 0 && wrap->completionsLive_) wrap->completions_.Unref(env);
  delete job;
  try {
    wrap->Unref();
  } catch (const Napi::Error&) {
  }
}

Napi::Value ModelWrap::SubnetInfo(const Napi::CallbackInfo& info) {
  if (!model_) ThrowJs(info.Env(), codes::kClosed, "the model is closed");
  return DescribeSubnets(info.Env(), *model_);
}

Napi::Value ModelWrap::DeviceMemory(const Napi::CallbackInfo& info) {
  if (!model_) ThrowJs(info.Env(), codes::kClosed, "the model is closed");
  return DescribeDeviceMemory(info.Env(), *model_);
}

std::shared_ptr<Model> ModelWrap::BeginRun(const Napi::CallbackInfo& info, RunRequest* request) {
  Napi::Env env = info.Env();
  if (!model_) ThrowJs(env, codes::kClosed, "the model is closed");
  *request = ParseRunRequest(info);
  CallNative(env, [&] {
    model_->CheckRequest(*request);
    model_->Acquire();
  });
  if (request->hasFloats) {
    model_->WriteInput(*request);
  } else if (!request->hasImage) {
    views_.CopyInputIn(*model_->buffers().input, model_->inputOf(request->subnet).ElementCount());
  }
  return model_;
}

void ModelWrap::EndRun(const std::shared_ptr<Model>& model, bool hadImage, const RunResult* result) {
  model->Release();  // first: the copies below run on this (the only JS) thread before any next run starts
  views_.CopyOut(model->buffers(), hadImage);
  if (result == nullptr) return;
  Napi::Float64Array timings = timings_.Value();
  timings[kLatencyMs] = result->timing.hostMs;
  timings[kDeviceMs] = result->timing.deviceMs;
  timings[kPreprocessMs] = result->preprocessMs;
}

Napi::Value ModelWrap::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!completionsLive_) ThrowJs(env, codes::kClosed, "the model is closed or the process is exiting");
  auto job = std::make_unique<RunJob>(env);
  job->model = BeginRun(info, &job->request);
  if (job->request.hasImage) job->pinnedImage = Napi::Persistent(info[2]);
  Napi::Promise promise = job->deferred.Promise();
  RunJob* posted = job.get();
  CompletionQueue completions = completions_;
  try {
    runThread_->Post(
        [posted, completions]() mutable {
          posted->Execute();
          RunJob::Deliver(completions, posted);
        },
        [posted, completions]() mutable {
          posted->Cancel();
          RunJob::Deliver(completions, posted);
        });
  } catch (const Error& error) {
    posted->model->Release();
    throw MakeJsError(env, error);
  }
  job.release();  // the run thread owns it now; Complete (or Discard) frees it
  Ref();  // the wrap (and its views) outlive the run even if JS drops the model
  if (inFlight_++ == 0) completions_.Ref(env);
  return promise;
}

Napi::Value ModelWrap::RunSync(const Napi::CallbackInfo& info) {
  RunRequest request;
  std::shared_ptr<Model> model = BeginRun(info, &request);
  RunResult result;
  std::string code;
  std::string message;
  if (!CaptureErrors([&] { result = model->Run(request); }, &code, &message)) {
    model->Release();
    ThrowJs(info.Env(), code, message);
  }
  EndRun(model, request.hasImage, &result);
  return info.Env().Undefined();
}

// For process exit (process.exit() runs no env cleanup hook): waits for the run in progress, settles one still
// waiting as closed (E_CLOSED) without running it, and releases the sessions, so that neither an inference nor an
// ONNX Runtime thread is still running while the exit handlers tear down ONNX Runtime's statics.
Napi::Value ModelWrap::Shutdown(const Napi::CallbackInfo& info) {
  ReleaseForExit();
  return info.Env().Undefined();
}

Napi::Value ModelWrap::Close(const Napi::CallbackInfo& info) {
  if (model_) {
    if (model_->busy()) ThrowContractJs(info.Env(), "close() while a run is in flight");
    Release();
  }
  return info.Env().Undefined();
}

}  // namespace dofa
