#include "napi/optimize_model.h"

#include <string>

#include "core/load_thread.h"
#include "napi/js_args.h"
#include "napi/promise_worker.h"
#include "ort/model_optimizer.h"

namespace dofa {
namespace {

enum OptimizeArg { kOrtLibrary, kThreads, kOnnxPath, kOutputPath };

class OptimizeWorker final : public PromiseWorker {
 public:
  OptimizeWorker(Napi::Env env, std::string library, int threads, std::string onnx, std::string output)
      : PromiseWorker(env), library_(std::move(library)), threads_(threads), onnx_(std::move(onnx)), output_(std::move(output)) {}

 protected:
  // On the load thread, as loads are: it parses and frees a whole model too (core/load_thread.h).
  void DoWork() override {
    RunOnLoadThread([this] { written_ = WriteOptimizedModel(library_, threads_, onnx_, output_); });
  }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("bytes", static_cast<double>(written_.bytes));
    result.Set("contentHash", written_.contentHash);
    return result;
  }

 private:
  std::string library_;
  int threads_;
  std::string onnx_;
  std::string output_;
  OptimizedModel written_;
};

}  // namespace

Napi::Value OptimizeModel(const Napi::CallbackInfo& info) {
  const Args args(info, "optimizeModel");
  auto* worker = new OptimizeWorker(info.Env(), args.String(kOrtLibrary, "ortLibrary"),
                                    static_cast<int>(args.Integer(kThreads, "threads", 0, kMaxInt)),
                                    args.String(kOnnxPath, "onnxPath"), args.String(kOutputPath, "outputPath"));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace dofa
