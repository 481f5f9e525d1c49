#include "ort/model_optimizer.h"

#include "core/content_hash.h"
#include "core/errors.h"
#include "core/file_bytes.h"
#include "ort/ort_runtime.h"

namespace dofa {

OptimizedModel WriteOptimizedModel(const std::string& ortLibrary, int threads, const std::string& onnxPath, const std::string& outputPath) {
  const std::shared_ptr<OrtRuntime> runtime = OrtRuntime::Acquire(ortLibrary, threads);
  const OrtApi& api = runtime->api();
  OrtSessionOptions* options = nullptr;
  runtime->Check(api.CreateSessionOptions(&options), codes::kModelLoad, "CreateSessionOptions");
  OrtStatus* status = api.DisablePerSessionThreads(options);
  if (status == nullptr) status = api.SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL);
  if (status == nullptr) status = api.SetOptimizedModelFilePath(options, outputPath.c_str());
  OrtSession* session = nullptr;
  if (status == nullptr) status = api.CreateSession(runtime->env(), onnxPath.c_str(), options, &session);
  if (session != nullptr) api.ReleaseSession(session);
  api.ReleaseSessionOptions(options);
  runtime->Check(status, codes::kModelLoad, "'" + onnxPath + "': writing its optimized model to '" + outputPath + "'");
  const FileBytes written(outputPath);
  return {written.size(), ContentHashHex(written.data(), written.size())};
}

}  // namespace dofa
