#include "napi/load_family.h"

#include <memory>
#include <string>
#include <vector>

#include "core/dla_reservations.h"
#include "core/family.h"
#include "napi/addon_data.h"
#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "napi/promise_worker.h"

namespace dofa {
namespace {

BackendKind ParseBackend(const Napi::Object& object) {
  const std::string name = GetString(object, "backend");
  BackendKind kind;
  if (!BackendKindOf(name, &kind)) ThrowContractJs(object.Env(), "`backend` names no backend: '" + name + "'");
  return kind;
}

std::vector<ModelFile> ParseModels(const Napi::Object& object) {
  std::vector<ModelFile> models;
  for (std::string& path : GetStrings(object, "models")) models.push_back({std::move(path), 0});
  if (object.Get("modelOffsets").IsUndefined()) return models;
  const std::vector<int64_t> offsets = GetIntegers(object, "modelOffsets", 0, kMaxSafeInteger);
  if (offsets.size() != models.size()) ThrowContractJs(object.Env(), "`modelOffsets` must have one offset per model");
  for (size_t i = 0; i < models.size(); ++i) models[i].offset = static_cast<uint64_t>(offsets[i]);
  return models;
}

// Every value was checked by lib/ (the manifest schema, loadFamily's options); here only what the native side
// needs to stay in bounds is asserted (ModelInputSpec holds at most 3 channels).
FamilyOptions ParseLoadOptions(const Napi::Object& object) {
  FamilyOptions options;
  options.models = ParseModels(object);
  options.backend.kind = ParseBackend(object);
  options.backend.dlaCore = static_cast<int>(GetInteger(object, "dlaCore", -1, 255));
  if (options.backend.kind == BackendKind::kOnnxRuntime) options.backend.ortLibrary = GetString(object, "ortLibrary");
  options.backend.threads = static_cast<int>(GetInteger(object, "threads", 0, 0, 1024));
  options.warmupRuns = static_cast<int>(GetInteger(object, "warmupRuns", 5, 0, 1000));
  ModelInputSpec& spec = options.inputSpec;
  spec.channels = static_cast<int>(GetInteger(object, "channels", 1, 3));
  if (!ParsePixelFormat(GetString(object, "format"), &spec.format)) ThrowContractJs(object.Env(), "`format` is no pixel format");
  GetFloats(object, "mean", static_cast<size_t>(spec.channels), spec.mean);
  GetFloats(object, "std", static_cast<size_t>(spec.channels), spec.std);
  return options;
}

// What a DLA core's family reserves: `dlaLoadables` (one count per model, from the engine files) on `dlaCore`,
// within `dlaLoadableLimit`. Absent for other families.
struct DlaRequest {
  bool wanted = false;
  int core = -1;
  int loadables = 0;
  int limit = 0;
};

DlaRequest ParseDlaRequest(const Napi::Object& object, const FamilyOptions& options) {
  DlaRequest request;
  if (object.Get("dlaLoadables").IsUndefined()) return request;
  const std::vector<int64_t> counts = GetIntegers(object, "dlaLoadables", 0, 1 << 16);
  if (counts.size() != options.models.size()) ThrowContractJs(object.Env(), "`dlaLoadables` must have one count per model");
  if (options.backend.dlaCore < 0) ThrowContractJs(object.Env(), "`dlaLoadables` without a DLA core");
  request.wanted = true;
  request.core = options.backend.dlaCore;
  for (const int64_t count : counts) request.loadables += static_cast<int>(count);
  request.limit = static_cast<int>(GetInteger(object, "dlaLoadableLimit", 0, 1 << 16));
  return request;
}

// The promise of a load whose reservation did not fit: another load took the loadables after lib/ counted them.
// `dlaResident` says what the core holds now, for lib/ to decide again.
Napi::Value ReservationLost(Napi::Env env, const DlaRequest& request, int resident) {
  Napi::Error error = MakeJsError(env, codes::kModelLoad, "DLA core " + std::to_string(request.core) + ": the family needs " +
                                                           std::to_string(request.loadables) + " DLA loadables, and this process already holds " +
                                                           std::to_string(resident) + " of the " + std::to_string(request.limit) +
                                                           " a core holds (another load took them meanwhile)");
  error.Value().Set("dlaResident", resident);
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(error.Value());
  return deferred.Promise();
}

class LoadWorker final : public PromiseWorker {
 public:
  LoadWorker(Napi::Env env, FamilyOptions options, bool allowExternal, DlaReservation reservation)
      : PromiseWorker(env), options_(std::move(options)), allowExternal_(allowExternal), reservation_(std::move(reservation)) {}

 protected:
  void DoWork() override {
    family_ = Family::Load(options_);
    family_->HoldDlaReservation(std::move(reservation_));
  }
  // A failed load gives its loadables back on the JS thread, just before its promise rejects: until then they count
  // as reserved, so dlaResidency() never sees them go while the load is pending.
  void OnError(const Napi::Error& error) override {
    reservation_ = DlaReservation();
    PromiseWorker::OnError(error);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::External<std::shared_ptr<Family>> handle = Napi::External<std::shared_ptr<Family>>::New(env, &family_);
    return GetAddonData(env).familyConstructor.New({handle, Napi::Boolean::New(env, allowExternal_)});
  }

 private:
  FamilyOptions options_;
  bool allowExternal_;
  DlaReservation reservation_;
  std::shared_ptr<Family> family_;
};

}  // namespace

Napi::Value LoadFamily(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsObject()) ThrowContractJs(info.Env(), "loadFamily(options) needs an object");
  Napi::Object object = info[0].As<Napi::Object>();
  FamilyOptions options = ParseLoadOptions(object);
  const bool allowExternal = GetBool(object, "externalBuffers", true);
  // Reserved here, on the JS thread, before anything is deserialized: lib/ counts with dlaResidency(), decides and
  // calls this in one synchronous stretch, so only a load in another thread can come in between (and is caught).
  const DlaRequest dla = ParseDlaRequest(object, options);
  DlaReservation reservation;
  int resident = 0;
  if (dla.wanted && !DlaReservation::TryReserve(dla.core, dla.loadables, dla.limit, &reservation, &resident)) {
    return ReservationLost(info.Env(), dla, resident);
  }
  auto* worker = new LoadWorker(info.Env(), std::move(options), allowExternal, std::move(reservation));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace dofa
