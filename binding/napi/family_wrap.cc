#include "napi/family_wrap.h"

#include <cmath>
#include <cstring>
#include <string>

#include "napi/addon_data.h"
#include "napi/js_errors.h"
#include "napi/promise_worker.h"
#include "core/run_thread.h"

namespace dofa {
namespace {

// The external ArrayBuffer's finalizer drops this reference (views stay valid after close()) and gives back
// the memory it reported to V8.
void ReleaseSharedBuffer(napi_env env, std::shared_ptr<SharedBuffer>* hint) {
  int64_t ignored = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>((*hint)->bytes()), &ignored);
  delete hint;
}

// An ArrayBuffer over native memory, or an empty Value when the runtime refuses external buffers (Electron).
Napi::Value TryExternalView(Napi::Env env, const std::shared_ptr<SharedBuffer>& buffer) {
  auto* hint = new std::shared_ptr<SharedBuffer>(buffer);
  napi_value value = nullptr;
  napi_status status = napi_create_external_arraybuffer(
      env, buffer->data(), buffer->bytes(),
      [](napi_env e, void* /*data*/, void* h) { ReleaseSharedBuffer(e, static_cast<std::shared_ptr<SharedBuffer>*>(h)); },
      hint, &value);
  if (status != napi_ok) {
    delete hint;
    // Clear the pending exception some runtimes set alongside the refusal.
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    return Napi::Value();
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(buffer->bytes()));
  return Napi::Value(env, value);
}

std::string GetString(const Napi::Object& object, const char* key, const std::string& fallback) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsString()) ThrowJs(object.Env(), codes::kInvalidArgument, std::string("`") + key + "` must be a string");
  return value.As<Napi::String>().Utf8Value();
}

int GetInt(const Napi::Object& object, const char* key, int fallback, int min, int max) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(number) || std::floor(number) != number || number < min || number > max) {
    ThrowJs(object.Env(), codes::kInvalidArgument,
            std::string("`") + key + "` must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int>(number);
}

void ReadFloats(const Napi::Object& object, const char* key, int count, float* out) {
  Napi::Value value = object.Get(key);
  if (!value.IsArray() || value.As<Napi::Array>().Length() != static_cast<uint32_t>(count)) {
    ThrowJs(object.Env(), codes::kInvalidArgument,
            std::string("`") + key + "` must be an array of " + std::to_string(count) + " numbers");
  }
  Napi::Array array = value.As<Napi::Array>();
  for (int i = 0; i < count; ++i) {
    Napi::Value item = array.Get(static_cast<uint32_t>(i));
    if (!item.IsNumber()) ThrowJs(object.Env(), codes::kInvalidArgument, std::string("`") + key + "` must hold numbers");
    out[i] = item.As<Napi::Number>().FloatValue();
  }
}

FamilyOptions ParseLoadOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) ThrowJs(env, codes::kInvalidArgument, "loadFamily(options) needs an object");
  Napi::Object object = info[0].As<Napi::Object>();
  FamilyOptions options;
  Napi::Value models = object.Get("models");
  if (!models.IsArray()) ThrowJs(env, codes::kInvalidArgument, "`models` must be an array of file paths");
  Napi::Array modelArray = models.As<Napi::Array>();
  for (uint32_t i = 0; i < modelArray.Length(); ++i) {
    Napi::Value path = modelArray.Get(i);
    if (!path.IsString()) ThrowJs(env, codes::kInvalidArgument, "`models` must hold strings");
    options.modelPaths.push_back(path.As<Napi::String>().Utf8Value());
  }
  options.backend.device = GetString(object, "device", "cpu");
  options.backend.ortLibrary = GetString(object, "ortLibrary", "");
  if (options.backend.ortLibrary.empty()) ThrowJs(env, codes::kInvalidArgument, "`ortLibrary` (path of libonnxruntime) is required");
  options.backend.threads = GetInt(object, "threads", 0, 0, 1024);
  options.warmupRuns = GetInt(object, "warmupRuns", 5, 0, 1000);
  options.inputSpec.channels = GetInt(object, "channels", 3, 1, 3);
  if (options.inputSpec.channels == 2) ThrowJs(env, codes::kInvalidArgument, "`channels` must be 1 or 3");
  const std::string format = GetString(object, "format", options.inputSpec.channels == 1 ? "gray" : "rgb");
  if (!ParsePixelFormat(format, &options.inputSpec.format) ||
      (options.inputSpec.channels == 3) != (format == "rgb" || format == "bgr") ||
      (options.inputSpec.channels == 1 && format != "gray")) {
    ThrowJs(env, codes::kInvalidArgument, "`format` must be 'gray' for 1 channel, 'rgb' or 'bgr' for 3; got '" + format + "'");
  }
  ReadFloats(object, "mean", options.inputSpec.channels, options.inputSpec.mean);
  ReadFloats(object, "std", options.inputSpec.channels, options.inputSpec.std);
  for (int c = 0; c < options.inputSpec.channels; ++c) {
    if (!(options.inputSpec.std[c] > 0)) ThrowJs(env, codes::kInvalidArgument, "`std` values must be positive");
  }
  return options;
}

class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, FamilyOptions options, bool allowExternal)
      : PromiseWorker(env), options_(std::move(options)), allowExternal_(allowExternal) {}

 protected:
  void DoWork() override { family_ = Family::Load(options_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::External<std::shared_ptr<Family>> handle = Napi::External<std::shared_ptr<Family>>::New(env, &family_);
    return GetAddonData(env).familyConstructor.New({handle, Napi::Boolean::New(env, allowExternal_)});
  }

 private:
  FamilyOptions options_;
  bool allowExternal_;
  std::shared_ptr<Family> family_;
};

}  // namespace

// One asynchronous run: made on the JS thread, executed on the family's run thread, settled on the JS thread.
struct RunJob {
  std::shared_ptr<Family> family;
  size_t subnet = 0;
  Frame frame;
  bool hasFrame = false;
  Napi::Promise::Deferred deferred;
  Napi::Reference<Napi::Value> pinnedFrame;  // keeps the frame's bytes alive while the run thread reads them
  RunResult result;
  bool failed = false;
  std::string errorCode;
  std::string errorMessage;

  explicit RunJob(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void Execute() {
    failed = !CaptureErrors([this] { result = family->Run(subnet, hasFrame ? &frame : nullptr); }, &errorCode, &errorMessage);
  }

  // Frees the job where no N-API call is allowed any more (env teardown).
  static void Abandon(RunJob* job) {
    job->pinnedFrame.SuppressDestruct();
    delete job;
  }
};

Napi::Function FamilyWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeFamily",
                     {InstanceMethod<&FamilyWrap::Run>("run"), InstanceMethod<&FamilyWrap::RunSync>("runSync"),
                      InstanceMethod<&FamilyWrap::Close>("close"), InstanceMethod<&FamilyWrap::Shutdown>("shutdown"), InstanceMethod<&FamilyWrap::SubnetInfo>("subnetInfo"),
                      InstanceAccessor<&FamilyWrap::GetInputBuffer>("inputBuffer"),
                      InstanceAccessor<&FamilyWrap::GetOutputBuffer>("outputBuffer"),
                      InstanceAccessor<&FamilyWrap::GetExternalBuffers>("externalBuffers"),
                      InstanceAccessor<&FamilyWrap::GetClosed>("closed")});
}

Napi::Value FamilyWrap::LoadFamily(const Napi::CallbackInfo& info) {
  FamilyOptions options = ParseLoadOptions(info);
  const bool allowExternal = !info[0].As<Napi::Object>().Get("externalBuffers").StrictEquals(Napi::Boolean::New(info.Env(), false));
  auto* worker = new LoadWorker(info.Env(), std::move(options), allowExternal);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

FamilyWrap::FamilyWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FamilyWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsExternal()) {
    ThrowJs(env, codes::kInvalidArgument, "NativeFamily cannot be constructed directly; use loadFamily()");
  }
  family_ = *info[0].As<Napi::External<std::shared_ptr<Family>>>().Data();
  const bool allowExternal = info[1].ToBoolean();
  Napi::Value input = allowExternal ? TryExternalView(env, family_->buffers().input) : Napi::Value();
  Napi::Value output = allowExternal ? TryExternalView(env, family_->buffers().output) : Napi::Value();
  mirrored_ = input.IsEmpty() || output.IsEmpty();
  if (mirrored_) {
    input = Napi::ArrayBuffer::New(env, family_->buffers().input->bytes());
    output = Napi::ArrayBuffer::New(env, family_->buffers().output->bytes());
  }
  inputView_ = Napi::Persistent(input.As<Napi::ArrayBuffer>());
  outputView_ = Napi::Persistent(output.As<Napi::ArrayBuffer>());

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
  runThread_.reset();  // waits for the run in progress; later tasks are dropped
  completions_.Release();
}

void FamilyWrap::Complete(Napi::Env env, Napi::Function /*callback*/, FamilyWrap* wrap, RunJob* job) {
  if (env == nullptr) {
    RunJob::Abandon(job);
    return;
  }
  // Called from the event loop, not from JS: nothing may throw out of here. N-API calls fail (and
  // node-addon-api throws) when JS can no longer run, e.g. while a worker_thread is being terminated.
  try {
    Napi::HandleScope scope(env);
    wrap->EndRun(job->family, job->hasFrame);
    if (job->failed) {
      job->deferred.Reject(MakeJsError(env, job->errorCode, job->errorMessage).Value());
    } else {
      job->deferred.Resolve(wrap->MakeResult(env, job->subnet, job->result));
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
  Napi::Env env = info.Env();
  if (!family_) ThrowJs(env, codes::kClosed, "the family is closed");
  auto describe = [&](const TensorInfo& tensor) {
    Napi::Object object = Napi::Object::New(env);
    object.Set("name", tensor.name);
    Napi::Array shape = Napi::Array::New(env, tensor.shape.size());
    for (size_t d = 0; d < tensor.shape.size(); ++d) shape.Set(static_cast<uint32_t>(d), static_cast<double>(tensor.shape[d]));
    object.Set("shape", shape);
    return object;
  };
  Napi::Array list = Napi::Array::New(env, family_->size());
  for (size_t i = 0; i < family_->size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("input", describe(family_->inputOf(i)));
    entry.Set("output", describe(family_->outputOf(i)));
    entry.Set("warmupMs", family_->warmupMs(i));
    list.Set(static_cast<uint32_t>(i), entry);
  }
  return list;
}

// run(subnet, input?) where input is undefined (use the shared input as written), a Float32Array of the
// sub-network's input size (copied into the shared input now), or a frame {data, width, height, format, stride?}.
std::shared_ptr<Family> FamilyWrap::BeginRun(const Napi::CallbackInfo& info, size_t* subnet, Frame* frame, bool* hasFrame) {
  Napi::Env env = info.Env();
  if (!family_) ThrowJs(env, codes::kClosed, "the family is closed");
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowJs(env, codes::kInvalidArgument, "run(subnet, input?) needs a sub-network index");
  const double index = info[0].As<Napi::Number>().DoubleValue();
  if (!(index >= 0) || std::floor(index) != index || index >= static_cast<double>(family_->size())) {
    ThrowJs(env, codes::kSubnetUnknown, "sub-network index " + info[0].ToString().Utf8Value() + " is out of range [0, " +
                                            std::to_string(family_->size()) + ")");
  }
  *subnet = static_cast<size_t>(index);
  *hasFrame = false;
  const TensorInfo& tensor = family_->inputOf(*subnet);
  Napi::Value input = info.Length() > 1 ? info[1] : env.Undefined();
  const float* floats = nullptr;
  if (input.IsTypedArray()) {
    Napi::TypedArray typed = input.As<Napi::TypedArray>();
    if (typed.TypedArrayType() != napi_float32_array) {
      ThrowJs(env, codes::kInputType, "input must be a Float32Array or an image {data, width, height, format}");
    }
    if (typed.ElementLength() != tensor.ElementCount()) {
      ThrowJs(env, codes::kInputShape, "input has " + std::to_string(typed.ElementLength()) + " floats; sub-network " +
                                           std::to_string(*subnet) + " expects " + std::to_string(tensor.ElementCount()));
    }
    floats = reinterpret_cast<const float*>(static_cast<const uint8_t*>(typed.ArrayBuffer().Data()) + typed.ByteOffset());
  } else if (input.IsObject() && !input.IsArray() && !input.IsFunction()) {
    Napi::Object object = input.As<Napi::Object>();
    Napi::Value data = object.Get("data");
    if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      ThrowJs(env, codes::kInputType, "image `data` must be a Uint8Array or Buffer");
    }
    Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
    frame->data = bytes.Data();
    frame->byteLength = bytes.ByteLength();
    frame->width = GetInt(object, "width", 0, 1, 1 << 16);
    frame->height = GetInt(object, "height", 0, 1, 1 << 16);
    const std::string format = GetString(object, "format", "");
    if (!ParsePixelFormat(format, &frame->format)) {
      ThrowJs(env, codes::kInputType, "image `format` must be one of gray, rgb, bgr, rgba, bgra; got '" + format + "'");
    }
    const int rowBytes = frame->width * BytesPerPixel(frame->format);
    frame->stride = static_cast<size_t>(GetInt(object, "stride", rowBytes, 1, 1 << 30));
    const std::string problem = ValidateFrame(*frame);
    if (!problem.empty()) ThrowJs(env, codes::kInputShape, "image: " + problem);
    *hasFrame = true;
  } else if (!input.IsUndefined() && !input.IsNull()) {
    ThrowJs(env, codes::kInputType, "input must be a Float32Array, an image {data, width, height, format}, or omitted");
  }
  try {
    family_->Acquire();
  } catch (const Error& error) {
    ThrowJs(env, error.code(), error.what());
  }
  float* shared = family_->buffers().input->data();
  if (floats != nullptr) {
    if (floats != shared) std::memmove(shared, floats, tensor.ElementCount() * sizeof(float));
  } else if (!*hasFrame && mirrored_) {
    std::memcpy(shared, inputView_.Value().Data(), tensor.ElementCount() * sizeof(float));
  }
  return family_;
}

void FamilyWrap::EndRun(const std::shared_ptr<Family>& family, bool hadFrame) {
  family->Release();  // first: the copies below run on this (the only JS) thread before any next run starts
  if (mirrored_) {
    std::memcpy(outputView_.Value().Data(), family->buffers().output->data(), family->buffers().output->bytes());
    if (hadFrame) std::memcpy(inputView_.Value().Data(), family->buffers().input->data(), family->buffers().input->bytes());
  }
}

Napi::Object FamilyWrap::MakeResult(Napi::Env env, size_t subnet, const RunResult& result) const {
  Napi::Object object = Napi::Object::New(env);
  object.Set("subnet", static_cast<double>(subnet));
  object.Set("latencyMs", result.timing.hostMs);
  if (result.timing.deviceMs >= 0) object.Set("deviceMs", result.timing.deviceMs);
  object.Set("preprocessMs", result.preprocessMs);
  return object;
}

Napi::Value FamilyWrap::Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!completionsLive_) ThrowJs(env, codes::kClosed, "the family is closed or the process is exiting");
  auto* job = new RunJob(env);
  try {
    job->family = BeginRun(info, &job->subnet, &job->frame, &job->hasFrame);
  } catch (...) {
    delete job;
    throw;
  }
  if (job->hasFrame) job->pinnedFrame = Napi::Persistent(info[1].As<Napi::Object>().Get("data"));
  Napi::Promise promise = job->deferred.Promise();
  Ref();  // the wrap (and its views) outlive the run even if JS drops the family
  if (inFlight_++ == 0) completions_.Ref(env);
  CompletionQueue completions = completions_;
  runThread_->Post([job, completions]() mutable {
    job->Execute();
    if (completions.NonBlockingCall(job) != napi_ok) RunJob::Abandon(job);  // the env is going away
  });
  return promise;
}

Napi::Value FamilyWrap::RunSync(const Napi::CallbackInfo& info) {
  size_t subnet = 0;
  Frame frame;
  bool hasFrame = false;
  std::shared_ptr<Family> family = BeginRun(info, &subnet, &frame, &hasFrame);
  RunResult result;
  try {
    result = family->Run(subnet, hasFrame ? &frame : nullptr);
  } catch (const Error& error) {
    family->Release();
    ThrowJs(info.Env(), error.code(), error.what());
  } catch (const std::exception& error) {
    family->Release();
    ThrowJs(info.Env(), codes::kInternal, error.what());
  }
  EndRun(family, hasFrame);
  return MakeResult(info.Env(), subnet, result);
}

// For process exit: waits for the run in progress and drops queued ones, so no inference is still running
// while the process tears down ONNX Runtime's statics. Sessions stay until close() or exit.
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
