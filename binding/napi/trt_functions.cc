#include "napi/trt_functions.h"

#include <cstring>
#include <string>
#include <vector>

#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "napi/promise_worker.h"
#include "trt/trt_builder.h"
#include "trt/trt_info.h"
#include "trt/trt_library.h"

namespace dofa {
namespace {

// tensorrtProbe() -> { available, reason?, canBuild, buildReason?, version?, build?, cudaRuntime?, compiled: {
// tensorrt, cuda }, libraries: [{ role, name, loaded, path?, version?, error? }] }. Loads the libraries (once per process),
// checks their versions and touches no GPU: what a child process runs to decide whether this binary fits here.
Napi::Value TensorRtProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const trt::RuntimeState& state = trt::TensorRtRuntime();
  Napi::Object result = Napi::Object::New(env);
  result.Set("available", state.available);
  if (!state.reason.empty()) result.Set("reason", state.reason);
  result.Set("canBuild", state.canBuild);
  if (!state.buildReason.empty()) result.Set("buildReason", state.buildReason);
  if (state.tensorrtEncoded != 0) result.Set("version", trt::VersionText(state.tensorrt));
  if (!state.tensorrtBuild.empty()) result.Set("build", state.tensorrtBuild);
  if (state.cudaRuntime.major != 0) result.Set("cudaRuntime", trt::VersionText(state.cudaRuntime, 2));
  Napi::Object compiled = Napi::Object::New(env);
  compiled.Set("tensorrt", trt::CompiledVersionText());
  compiled.Set("cuda", trt::VersionText(trt::CudaHeadersVersion(), 2));
  result.Set("compiled", compiled);
  Napi::Array libraries = Napi::Array::New(env, state.libraries.size());
  for (size_t i = 0; i < state.libraries.size(); ++i) {
    const trt::LibraryState& library = state.libraries[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("role", library.role);
    entry.Set("name", library.name);
    entry.Set("loaded", library.loaded);
    if (!library.path.empty()) entry.Set("path", library.path);
    if (!library.version.empty()) entry.Set("version", library.version);
    if (!library.error.empty()) entry.Set("error", library.error);
    libraries.Set(static_cast<uint32_t>(i), entry);
  }
  result.Set("libraries", libraries);
  return result;
}

// tensorrtInfo() -> { version, encoded, build, compiledVersion, compiledEncoded, cudaHeaders, dlaCores, dlaNote?,
// cuda?: {...}, cudaError? }; throws E_BACKEND_UNAVAILABLE when TensorRT cannot be loaded (tensorrtProbe says why).
Napi::Value TensorRtInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const TrtInfo& trt = CallNative(env, []() -> const TrtInfo& { return QueryTrtInfo(); });
  Napi::Object result = Napi::Object::New(env);
  result.Set("version", trt.version);
  result.Set("encoded", static_cast<double>(trt.encoded));
  result.Set("build", trt.build);
  result.Set("compiledVersion", trt.compiledVersion);
  result.Set("compiledEncoded", static_cast<double>(trt.compiledEncoded));
  result.Set("cudaHeaders", trt.cudaHeaders);
  result.Set("dlaCores", trt.dlaCores);
  if (!trt.dlaNote.empty()) result.Set("dlaNote", trt.dlaNote);
  if (!trt.hasCuda) {
    result.Set("cudaError", trt.cudaError);
    return result;
  }
  const CudaDeviceInfo& cuda = trt.cuda;
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
  device.Set("blockingSync", cuda.blockingSync);
  result.Set("cuda", device);
  return result;
}

struct ProgressEvent {
  std::string stage;
  double fraction = -1;
  std::string message;
};

Napi::Object MakeReport(Napi::Env env, const TrtBuildReport& report) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("tensorrtVersion", report.tensorrtVersion);
  object.Set("tensorrtEncoded", static_cast<double>(report.tensorrtEncoded));
  object.Set("tensorrtBuild", report.tensorrtBuild);
  object.Set("buildMs", report.buildMs);
  object.Set("layers", report.layers);
  object.Set("dlaLayers", report.dlaLayers);
  object.Set("gpuFallbackLayers", report.gpuFallbackLayers);
  object.Set("fallbackLayerNames", StringArray(env, report.fallbackLayerNames));
  object.Set("planBytes", static_cast<double>(report.planBytes));
  object.Set("timingCacheLoaded", report.timingCacheLoaded);
  object.Set("timingCacheSaved", report.timingCacheSaved);
  object.Set("calibrationCacheWritten", report.calibrationCacheWritten);
  object.Set("warnings", StringArray(env, report.warnings));
  object.Set("engineInformation", report.engineInformation);
  object.Set("placementLog", StringArray(env, report.placementLog));
  if (report.activationBytes >= 0) object.Set("activationBytes", static_cast<double>(report.activationBytes));
  if (!report.inspectionError.empty()) object.Set("inspectionError", report.inspectionError);
  return object;
}

// Builds off the event loop; progress events reach `onProgress` on the JS thread, in order.
class BuildWorker final : public Napi::AsyncProgressQueueWorker<ProgressEvent> {
 public:
  BuildWorker(Napi::Env env, TrtBuildOptions options, Napi::Function onProgress)
      : Napi::AsyncProgressQueueWorker<ProgressEvent>(env), promise_(env), options_(std::move(options)) {
    if (!onProgress.IsEmpty()) onProgress_ = Napi::Persistent(onProgress);
  }
  Napi::Promise Promise() const { return promise_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    std::string message;
    const bool built = promise_.Run(
        [&] {
          build_ = BuildTrtEngine(options_, [&progress](const std::string& stage, double fraction, const std::string& text) {
            ProgressEvent event{stage, fraction, text};
            progress.Send(&event, 1);
          });
        },
        &message);
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

  // { plan: ArrayBuffer (a copy: JS owns it), report }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    Napi::ArrayBuffer plan = Napi::ArrayBuffer::New(env, build_.plan.size());
    if (!build_.plan.empty()) std::memcpy(plan.Data(), build_.plan.data(), build_.plan.size());
    Napi::Object result = Napi::Object::New(env);
    result.Set("plan", plan);
    result.Set("report", MakeReport(env, build_.report));
    promise_.Resolve(result);
  }

  void OnError(const Napi::Error& error) override { promise_.Reject(Env(), error); }

 private:
  WorkerPromise promise_;
  TrtBuildOptions options_;
  Napi::FunctionReference onProgress_;
  TrtBuild build_;
};

enum BuildArg {
  kOnnx, kDlaCore, kPrecision, kGpuFallback, kWorkspaceBytes,
  // '' = none.
  kTimingCache, kCalibrationCache, kCalibrationData,
  // A function, or null.
  kOnProgress,
};

// buildEngine(onnx, dlaCore, precision, gpuFallback, workspaceBytes, timingCache, calibrationCache, calibrationData,
// onProgress) -> Promise<{ plan, report }>. lib/ (lib/engines/ensure-engines.ts, through buildNativeEngine) has checked
// every value; asserted here is only what the conversions need: the kinds, dlaCore within an int (-1 = the GPU, as
// loadModel takes it) and workspaceBytes a non-negative integer a size_t holds exactly.
Napi::Value BuildEngine(const Napi::CallbackInfo& info) {
  const Args args(info, "buildEngine");
  TrtBuildOptions options;
  options.onnxPath = args.String(kOnnx, "onnx");
  options.dlaCore = static_cast<int>(args.Integer(kDlaCore, "dlaCore", -1, 255));
  options.precision = args.String(kPrecision, "precision");
  options.gpuFallback = args.Bool(kGpuFallback, "gpuFallback");
  options.workspaceBytes = static_cast<size_t>(args.Integer(kWorkspaceBytes, "workspaceBytes", 0, kMaxSafeInteger));
  options.timingCachePath = args.String(kTimingCache, "timingCache");
  options.calibrationCachePath = args.String(kCalibrationCache, "calibrationCache");
  options.calibrationDataPath = args.String(kCalibrationData, "calibrationData");
  Napi::Function onProgress;
  if (args.At(kOnProgress).IsFunction()) {
    onProgress = args.At(kOnProgress).As<Napi::Function>();
  } else if (!args.IsAbsent(kOnProgress)) {
    args.Invalid("onProgress", "a function or null");
  }
  auto* worker = new BuildWorker(args.Env(), std::move(options), onProgress);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterTensorRt(Napi::Env env, Napi::Object exports) {
  exports.Set("tensorrtProbe", Napi::Function::New<TensorRtProbe>(env, "tensorrtProbe"));
  exports.Set("tensorrtInfo", Napi::Function::New<TensorRtInfo>(env, "tensorrtInfo"));
  exports.Set("buildEngine", Napi::Function::New<BuildEngine>(env, "buildEngine"));
}

}  // namespace dofa
