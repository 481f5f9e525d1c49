#include "napi/load_model.h"

#include <memory>
#include <string>
#include <vector>

#include "core/dla_reservations.h"
#include "core/load_thread.h"
#include "core/model.h"
#include "napi/addon_data.h"
#include "napi/js_args.h"
#include "napi/js_errors.h"
#include "napi/promise_worker.h"

namespace dofa {
namespace {

enum LoadArg {
  // One entry per sub-network, in load order.
  kModels, kModelOffsets, kModelContentHashes, kSubnets, kResolutions, kDlaLoadables,
  // The device.
  kBackend, kDlaCore, kDlaLoadableLimit, kOrtLibrary, kThreads, kOrtSessionDefaults, kShareWeights,
  kWarmupRuns,
  // The family's input (family.json `input`).
  kChannels, kFormat, kMean, kStd,
  kExternalBuffers,
};

// Loadables are summed in an int with what the core holds: bounded so that the sums cannot overflow.
constexpr int64_t kMaxLoadables = int64_t{1} << 24;

// lib/ has checked every value (the manifest schema, loadFamily's options); asserted here is only what the native
// side needs to stay in bounds: one entry per sub-network in each list, casts, ModelInputSpec's 3 channels.
ModelOptions ParseModelOptions(const Args& args) {
  ModelOptions options;
  const std::vector<std::string> models = args.Strings(kModels, "models");
  const std::vector<int64_t> offsets = args.Integers(kModelOffsets, "modelOffsets", 0, kMaxSafeInteger);
  const std::vector<std::string> hashes = args.Strings(kModelContentHashes, "modelContentHashes");
  const std::vector<int64_t> subnets = args.Integers(kSubnets, "subnets", 0, kMaxSafeInteger);
  const std::vector<int64_t> resolutions = args.Integers(kResolutions, "resolutions", 0, kMaxSafeInteger);
  for (const auto* list : {&offsets, &subnets, &resolutions}) {
    if (list->size() != models.size()) args.Invalid("modelOffsets, subnets and resolutions", "one entry per model");
  }
  if (hashes.size() != models.size()) args.Invalid("modelContentHashes", "one entry per model");
  for (size_t i = 0; i < models.size(); ++i) {
    options.subnets.push_back({{models[i], static_cast<uint64_t>(offsets[i]), hashes[i]}, subnets[i], resolutions[i]});
  }
  const std::string backend = args.String(kBackend, "backend");
  if (!BackendKindOf(backend, &options.backend.kind)) args.Invalid("backend", "a backend name; got '" + backend + "'");
  options.backend.dlaCore = static_cast<int>(args.Integer(kDlaCore, "dlaCore", -1, 255));
  options.backend.ortLibrary = args.String(kOrtLibrary, "ortLibrary");
  options.backend.threads = static_cast<int>(args.Integer(kThreads, "threads", 0, kMaxInt));
  options.backend.ortSessionDefaults = args.Bool(kOrtSessionDefaults, "ortSessionDefaults");
  options.backend.shareWeights = args.Bool(kShareWeights, "shareWeights");
  options.warmupRuns = static_cast<int>(args.Integer(kWarmupRuns, "warmupRuns", 0, kMaxInt));
  ModelInputSpec& spec = options.inputSpec;
  spec.channels = static_cast<int>(args.Integer(kChannels, "channels", 1, 3));
  if (!ParsePixelFormat(args.String(kFormat, "format"), &spec.format)) args.Invalid("format", "a pixel format");
  args.Floats(kMean, "mean", static_cast<size_t>(spec.channels), spec.mean);
  args.Floats(kStd, "std", static_cast<size_t>(spec.channels), spec.std);
  return options;
}

// What a model on a DLA core reserves there: its sub-networks' loadables, within the core's limit.
struct DlaRequest {
  int core = -1;
  int loadables = 0;
  int limit = 0;
};

DlaRequest ParseDlaRequest(const Args& args, const ModelOptions& options) {
  const std::vector<int64_t> counts = args.Integers(kDlaLoadables, "dlaLoadables", 0, kMaxLoadables);
  if (counts.size() != options.subnets.size()) args.Invalid("dlaLoadables", "one count per model");
  DlaRequest request;
  request.core = options.backend.dlaCore;
  int64_t sum = 0;
  for (const int64_t count : counts) sum += count;
  if (sum > kMaxLoadables) args.Invalid("dlaLoadables", "counts summing to at most " + std::to_string(kMaxLoadables));
  request.loadables = static_cast<int>(sum);
  request.limit = static_cast<int>(args.Integer(kDlaLoadableLimit, "dlaLoadableLimit", 0, kMaxLoadables));
  return request;
}

// The promise of a load whose reservation did not fit: another load took the loadables after lib/ counted them.
// `dlaResident` says what the core holds now, for lib/ to decide again.
Napi::Value ReservationLost(Napi::Env env, const DlaRequest& request, int resident) {
  Napi::Error error = MakeJsError(env, codes::kModelLoad, "DLA core " + std::to_string(request.core) + ": the model needs " +
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
  LoadWorker(Napi::Env env, ModelOptions options, bool allowExternal, DlaReservation reservation)
      : PromiseWorker(env), options_(std::move(options)), allowExternal_(allowExternal), reservation_(std::move(reservation)) {}

 protected:
  void DoWork() override {
    RunOnLoadThread([this] { model_ = Model::Load(options_); });  // core/load_thread.h: one malloc arena for loads
    model_->HoldDlaReservation(std::move(reservation_));
  }
  // A failed load gives its loadables back on the JS thread, just before its promise rejects: until then they count
  // as reserved, so dlaResidency() never sees them go while the load is pending.
  void OnError(const Napi::Error& error) override {
    reservation_ = DlaReservation();
    PromiseWorker::OnError(error);
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::External<std::shared_ptr<Model>> handle = Napi::External<std::shared_ptr<Model>>::New(env, &model_);
    return GetAddonData(env).modelConstructor.New({handle, Napi::Boolean::New(env, allowExternal_)});
  }

 private:
  ModelOptions options_;
  bool allowExternal_;
  DlaReservation reservation_;
  std::shared_ptr<Model> model_;
};

}  // namespace

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  const Args args(info, "loadModel");
  ModelOptions options = ParseModelOptions(args);
  const bool allowExternal = args.Bool(kExternalBuffers, "externalBuffers");
  const DlaRequest dla = ParseDlaRequest(args, options);
  // A model on a DLA core reserves its loadables here, on the JS thread, before anything is deserialized: lib/ counts
  // with dlaResidency(), decides and calls this in one synchronous stretch, so only a load in another thread can come
  // in between (and is caught).
  DlaReservation reservation;
  int resident = 0;
  if (dla.core >= 0 && !DlaReservation::TryReserve(dla.core, dla.loadables, dla.limit, &reservation, &resident)) {
    return ReservationLost(info.Env(), dla, resident);
  }
  auto* worker = new LoadWorker(info.Env(), std::move(options), allowExternal, std::move(reservation));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace dofa
