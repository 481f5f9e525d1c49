#include "napi/family_wrap.h"

#include <string>

#include "napi/js_errors.h"
#include "napi/js_results.h"
#include "napi/run_args.h"

namespace dofa {

// One asynchronous run: made on the JS thread, executed on the family's run thread, settled on the JS thread.
struct RunJob {
  std::shared_ptr<Family> family;
  RunRequest request;
  Napi::Promise::Deferred deferred;
  Napi::Reference<Napi::Value> pinnedFrame;  // keeps the frame's bytes alive while the run thread reads them
  RunResult result;
  bool failed = false;
  std::string errorCode;
  std::string errorMessage;

  explicit RunJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void Execute() {
    failed = !CaptureErrors([this] { result = family->Run(request); }, &errorCode, &errorMessage);
  }

  // The run thread stopped (shutdown(), env teardown) before this run's turn: it settles as closed, unrun.
  void Cancel() {
    failed = true;
    errorCode = codes::kClosed;
    errorMessage = "the family was shut down before this inference started";
  }

  // Frees the job where no N-API call is allowed any more (env teardown).
  static void Discard(RunJob* job) {
    job->pinnedFrame.SuppressDestruct();
    delete job;
  }

  // Run thread (or the thread stopping it): hands the job to the JS thread to settle.
  template <typename CompletionQueue>
  static void Deliver(CompletionQueue& completions, RunJob* job) {
    if (completions.NonBlockingCall(job) != napi_ok) Discard(job);  // the env is going away
  }
};

Napi::Function FamilyWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeFamily",
                     {InstanceMethod<&FamilyWrap::Run>("run"), InstanceMethod<&FamilyWrap::RunSync>("runSync"),
                      InstanceMethod<&FamilyWrap::Close>("close"), InstanceMethod<&FamilyWrap::Shutdown>("shutdown"),
                      InstanceMethod<&FamilyWrap::SubnetInfo>("subnetInfo"),
                      InstanceMethod<&FamilyWrap::DeviceMemory>("deviceMemory"),
                      InstanceAccessor<&FamilyWrap::GetInputBuffer>("inputBuffer"),
                      InstanceAccessor<&FamilyWrap::GetOutputBuffer>("outputBuffer"),
                      InstanceAccessor<&FamilyWrap::GetExternalBuffers>("externalBuffers"),
                      InstanceAccessor<&FamilyWrap::GetClosed>("closed")});
}

FamilyWrap::FamilyWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FamilyWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal()) {
    ThrowJs(env, codes::kInvalidArgument, "NativeFamily cannot be constructed directly; use loadFamily()");
  }
  family_ = *info[0].As<Napi::External<std::shared_ptr<Family>>>().Data();
  views_ = SharedViews(env, family_->buffers(), info[1].ToBoolean());

  env_ = env;
  completions_ = CompletionQueue::New(env, "dynamic-ofa inference", 0, 1, this);
  completionsLive_ = true;
  completions_.Unref(env);  // an idle family does not keep the process alive
  runThread_ = std::make_unique<RunThread>();
  // Registered after the completion queue, so it runs before N-API tears that queue down.
  napi_add_env_cleanup_hook(env, &FamilyWrap::OnEnvCleanup, this);
}

FamilyWrap::~FamilyWrap() { StopRunner(); }

void FamilyWrap::OnEnvCleanup(void* wrap) { static_cast<FamilyWrap*>(wrap)->StopRunner(); }

void FamilyWrap::StopRunner() {
  if (!completionsLive_) return;
  completionsLive_ = false;
  napi_remove_env_cleanup_hook(env_, &FamilyWrap::OnEnvCleanup, this);
  runThread_.reset();  // waits for the run in progress; queued runs settle as closed (RunJob::Cancel)
  completions_.Release();
}

void FamilyWrap::Complete(Napi::Env env, Napi::Function /*callback*/, FamilyWrap* wrap, RunJob* job) {
  if (env == nullptr) {
    RunJob::Discard(job);
    return;
  }
  // Called from the event loop, not from JS: nothing may throw out of here. N-API calls fail (and
  // node-addon-api throws) when JS can no longer run, e.g. while a worker_thread is being terminated.
  try {
    Napi::HandleScope scope(env);
    wrap->EndRun(job->family, job->request.hasFrame);
    if (job->failed) {
      job->deferred.Reject(MakeJsError(env, job->errorCode, job->errorMessage).Value());
    } else {
      job->deferred.Resolve(MakeRunResult(env, job->request.subnet, job->result));
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

Napi::Value FamilyWrap::SubnetInfo(const Napi::CallbackInfo& info) {
  if (!family_) ThrowJs(info.Env(), codes::kClosed, "the family is closed");
  return DescribeSubnets(info.Env(), *family_);
}

// { sharedActivationBytes, inputBytes, outputBytes, mappedBuffers, cudaGraphs }: the accelerator memory the family
// holds besides its engines, whether its shared buffers are mapped (zero-copy), and how many engines replay a graph.
Napi::Value FamilyWrap::DeviceMemory(const Napi::CallbackInfo& info) {
  if (!family_) ThrowJs(info.Env(), codes::kClosed, "the family is closed");
  Napi::Object memory = Napi::Object::New(info.Env());
  memory.Set("sharedActivationBytes", static_cast<double>(family_->sharedActivationBytes()));
  memory.Set("inputBytes", static_cast<double>(family_->buffers().input->bytes()));
  memory.Set("outputBytes", static_cast<double>(family_->buffers().output->bytes()));
  memory.Set("mappedBuffers", family_->buffers().input->device().mapped);
  size_t graphs = 0;
  for (size_t i = 0; i < family_->size(); ++i) graphs += family_->replaysCudaGraph(i) ? 1 : 0;
  memory.Set("cudaGraphs", static_cast<double>(graphs));
  return memory;
}

std::shared_ptr<Family> FamilyWrap::BeginRun(const Napi::CallbackInfo& info, RunRequest* request) {
  Napi::Env env = info.Env();
  if (!family_) ThrowJs(env, codes::kClosed, "the family is closed");
  *request = ParseRunRequest(info);
  CallNative(env, [&] {
    family_->CheckRequest(*request);
    family_->Acquire();
  });
  if (request->floats != nullptr) {
    family_->WriteInput(*request);
  } else if (!request->hasFrame) {
    views_.CopyInputIn(*family_->buffers().input, family_->inputOf(request->subnet).ElementCount());
  }
  return family_;
}

void FamilyWrap::EndRun(const std::shared_ptr<Family>& family, bool hadFrame) {
  family->Release();  // first: the copies below run on this (the only JS) thread before any next run starts
  views_.CopyOut(family->buffers(), hadFrame);
}

Napi::Value FamilyWrap::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!completionsLive_) ThrowJs(env, codes::kClosed, "the family is closed or the process is exiting");
  auto* job = new RunJob(env);
  try {
    job->family = BeginRun(info, &job->request);
  } catch (...) {
    delete job;
    throw;
  }
  if (job->request.hasFrame) job->pinnedFrame = Napi::Persistent(info[1].As<Napi::Object>().Get("data"));
  Napi::Promise promise = job->deferred.Promise();
  Ref();  // the wrap (and its views) outlive the run even if JS drops the family
  if (inFlight_++ == 0) completions_.Ref(env);
  CompletionQueue completions = completions_;
  runThread_->Post(
      [job, completions]() mutable {
        job->Execute();
        RunJob::Deliver(completions, job);
      },
      [job, completions]() mutable {
        job->Cancel();
        RunJob::Deliver(completions, job);
      });
  return promise;
}

Napi::Value FamilyWrap::RunSync(const Napi::CallbackInfo& info) {
  RunRequest request;
  std::shared_ptr<Family> family = BeginRun(info, &request);
  RunResult result;
  std::string code;
  std::string message;
  if (!CaptureErrors([&] { result = family->Run(request); }, &code, &message)) {
    family->Release();
    ThrowJs(info.Env(), code, message);
  }
  EndRun(family, request.hasFrame);
  return MakeRunResult(info.Env(), request.subnet, result);
}

// For process exit: waits for the run in progress and settles queued ones as closed (E_CLOSED) without running
// them, so no inference is still running while the process tears down ONNX Runtime's statics. Sessions stay
// until close() or exit.
Napi::Value FamilyWrap::Shutdown(const Napi::CallbackInfo& info) {
  StopRunner();
  return info.Env().Undefined();
}

Napi::Value FamilyWrap::Close(const Napi::CallbackInfo& info) {
  if (family_) {
    try {
      family_->Acquire();  // refuses while a run is in flight
    } catch (const Error& error) {
      ThrowJs(info.Env(), error.code(), "close() while an inference is in flight; await it first");
    }
    family_->Release();
    StopRunner();
    family_.reset();  // sessions are released here; the shared buffers live on while views exist
  }
  return info.Env().Undefined();
}

}  // namespace dofa
