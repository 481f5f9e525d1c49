#include "napi/load_family.h"

#include <memory>
#include <string>

#include "core/family.h"
#include "napi/addon_data.h"
#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "napi/promise_worker.h"

namespace dofa {
namespace {

FamilyOptions ParseLoadOptions(const Napi::Object& object) {
  Napi::Env env = object.Env();
  FamilyOptions options;
  options.modelPaths = GetStrings(object, "models");
  options.backend.device = GetString(object, "device", "cpu");
  options.backend.ortLibrary = GetString(object, "ortLibrary", "");
  if (options.backend.ortLibrary.empty()) ThrowJs(env, codes::kInvalidArgument, "`ortLibrary` (path of libonnxruntime) is required");
  options.backend.threads = static_cast<int>(GetInteger(object, "threads", 0, 0, 1024));
  options.warmupRuns = static_cast<int>(GetInteger(object, "warmupRuns", 5, 0, 1000));
  ModelInputSpec& spec = options.inputSpec;
  spec.channels = static_cast<int>(GetInteger(object, "channels", 3, 1, 3));
  if (spec.channels == 2) ThrowJs(env, codes::kInvalidArgument, "`channels` must be 1 or 3");
  const std::string format = GetString(object, "format", spec.channels == 1 ? "gray" : "rgb");
  if (!ParsePixelFormat(format, &spec.format) || (spec.channels == 3) != (format == "rgb" || format == "bgr") ||
      (spec.channels == 1 && format != "gray")) {
    ThrowJs(env, codes::kInvalidArgument, "`format` must be 'gray' for 1 channel, 'rgb' or 'bgr' for 3; got '" + format + "'");
  }
  GetFloats(object, "mean", spec.channels, spec.mean);
  GetFloats(object, "std", spec.channels, spec.std);
  for (int c = 0; c < spec.channels; ++c) {
    if (!(spec.std[c] > 0)) ThrowJs(env, codes::kInvalidArgument, "`std` values must be positive");
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

Napi::Value LoadFamily(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) ThrowJs(info.Env(), codes::kInvalidArgument, "loadFamily(options) needs an object");
  Napi::Object object = info[0].As<Napi::Object>();
  FamilyOptions options = ParseLoadOptions(object);
  const bool allowExternal = GetBool(object, "externalBuffers", true);
  auto* worker = new LoadWorker(info.Env(), std::move(options), allowExternal);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace dofa
