#include "napi/trt_functions.h"

#include <string>
#include <vector>

#include "trt/cuda_buffers.h"
#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "trt/trt_builder.h"
#include "trt/trt_common.h"

namespace dofa {
namespace {

// tensorrtInfo() -> { version, encoded, compiledVersion, compiledEncoded, dlaCores, cuda?: {...}, cudaError? }
Napi::Value TensorRtInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  const int64_t encoded = trt::LibraryEncoded();
  result.Set("version", trt::DecodeVersion(encoded));
  result.Set("encoded", static_cast<double>(encoded));
  result.Set("compiledVersion", trt::CompiledVersion());
  result.Set("compiledEncoded", static_cast<double>(trt::CompiledEncoded()));
  try {
    const CudaDeviceInfo cuda = QueryCudaDevice();
    Napi::Object device = Napi::Object::New(env);
    device.Set("ordinal", cuda.ordinal);
    device.Set("name", cuda.name);
    device.Set("computeCapability", std::to_string(cuda.major) + "." + std::to_string(cuda.minor));
    device.Set("multiProcessors", cuda.multiProcessors);
    device.Set("integrated", cuda.integrated);
    device.Set("canMapHostMemory", cuda.canMapHostMemory);
    device.Set("totalMemory", static_cast<double>(cuda.totalMemory));
    device.Set("runtimeVersion", cuda.runtimeVersion);
    device.Set("driverVersion", cuda.driverVersion);
    result.Set("cuda", device);
    trt::Logger logger;
    trt::Ptr<nvinfer1::IRuntime> runtime(nvinfer1::createInferRuntime(logger));
    result.Set("dlaCores", runtime ? runtime->getNbDLACores() : 0);
  } catch (const Error& error) {
    result.Set("cudaError", error.what());
    result.Set("dlaCores", 0);
  }
  return result;
}

struct ProgressEvent {
  std::string stage;
  double fraction = -1;
  std::string message;
};

// Builds off the event loop; progress events reach `onProgress` on the JS thread, in order.
class BuildWorker final : public Napi::AsyncProgressQueueWorker<ProgressEvent> {
 public:
  BuildWorker(Napi::Env env, TrtBuildOptions options, Napi::Function onProgress)
      : Napi::AsyncProgressQueueWorker<ProgressEvent>(env), deferred_(Napi::Promise::Deferred::New(env)),
        options_(std::move(options)) {
    if (!onProgress.IsEmpty()) onProgress_ = Napi::Persistent(onProgress);
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    std::string message;
    const bool built = CaptureErrors(
        [&] {
          report_ = BuildTrtEngine(options_, [&progress](const std::string& stage, double fraction, const std::string& text) {
            ProgressEvent event{stage, fraction, text};
            progress.Send(&event, 1);
          });
        },
        &code_, &message);
    if (!built) SetError(message);
  }

  void OnProgress(const ProgressEvent* events, size_t count) override {
    if (onProgress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (size_t i = 0; i < count; ++i) {
      Napi::Object event = Napi::Object::New(env);
      event.Set("stage", events[i].stage);
      event.Set("fraction", events[i].fraction);
      event.Set("message", events[i].message);
      try {
        onProgress_.Call({event});
      } catch (const Napi::Error&) {
        // a throwing progress callback must not fail the build
      }
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::Object result = Napi::Object::New(env);
    result.Set("enginePath", options_.enginePath);
    result.Set("tensorrtVersion", report_.tensorrtVersion);
    result.Set("tensorrtEncoded", static_cast<double>(report_.tensorrtEncoded));
    result.Set("buildMs", report_.buildMs);
    result.Set("layers", report_.layers);
    result.Set("dlaLayers", report_.dlaLayers);
    result.Set("gpuFallbackLayers", report_.gpuFallbackLayers);
    result.Set("fallbackLayerNames", StringArray(env, report_.fallbackLayerNames));
    result.Set("planBytes", static_cast<double>(report_.planBytes));
    result.Set("engineFileBytes", static_cast<double>(report_.engineFileBytes));
    result.Set("timingCacheLoaded", report_.timingCacheLoaded);
    result.Set("timingCacheSaved", report_.timingCacheSaved);
    result.Set("calibrationCacheWritten", report_.calibrationCacheWritten);
    result.Set("warnings", StringArray(env, report_.warnings));
    deferred_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    deferred_.Reject(MakeJsError(env, code_, error.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  TrtBuildOptions options_;
  Napi::FunctionReference onProgress_;
  TrtBuildReport report_;
  std::string code_ = codes::kInternal;
};

// buildEngine({ onnx, engine, device, precision, gpuFallback?, workspaceBytes?, timingCache?, calibrationCache?,
//               calibrationData?, fingerprint }, onProgress?) -> Promise<report>
Napi::Value BuildEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) ThrowJs(env, codes::kInvalidArgument, "buildEngine(options, onProgress?) needs an object");
  Napi::Object object = info[0].As<Napi::Object>();
  TrtBuildOptions options;
  options.onnxPath = GetString(object, "onnx", "");
  options.enginePath = GetString(object, "engine", "");
  options.device = GetString(object, "device", "gpu");
  options.precision = GetString(object, "precision", "fp16");
  options.timingCachePath = GetString(object, "timingCache", "");
  options.calibrationCachePath = GetString(object, "calibrationCache", "");
  options.calibrationDataPath = GetString(object, "calibrationData", "");
  options.fingerprint = GetString(object, "fingerprint", "");
  options.gpuFallback = GetBool(object, "gpuFallback", options.gpuFallback);
  options.workspaceBytes = static_cast<size_t>(
      GetInteger(object, "workspaceBytes", static_cast<int64_t>(options.workspaceBytes), int64_t{1} << 20, int64_t{1} << 50));
  if (options.onnxPath.empty() || options.enginePath.empty()) {
    ThrowJs(env, codes::kInvalidArgument, "buildEngine needs `onnx` and `engine` paths");
  }
  if (trt::DlaCoreOf(options.device) < -1) ThrowJs(env, codes::kInvalidArgument, "`device` must be gpu, dla0 or dla1");
  Napi::Function onProgress;
  if (info.Length() > 1 && info[1].IsFunction()) onProgress = info[1].As<Napi::Function>();
  auto* worker = new BuildWorker(env, std::move(options), onProgress);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterTensorRt(Napi::Env env, Napi::Object exports) {
  exports.Set("tensorrtInfo", Napi::Function::New<TensorRtInfo>(env, "tensorrtInfo"));
  exports.Set("buildEngine", Napi::Function::New<BuildEngine>(env, "buildEngine"));
}

}  // namespace dofa
