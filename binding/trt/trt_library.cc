#include "trt/trt_library.h"

#include <NvInferVersion.h>

#include "core/errors.h"
#include "trt/trt_common.h"

namespace dofa {
namespace trt {
namespace {

struct LoadedRuntime {
  TensorRtApi tensorrt;
  CudaApi cuda;
  RuntimeState state;
};

// Where JetPack keeps libcudart when the loader's own search does not find it (its folder is not always in
// ld.so.conf).
const std::vector<std::string> kCudaFolders = {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/aarch64-linux/lib",
                                               "/usr/local/cuda/targets/x86_64-linux/lib"};

LoadedRuntime* Load() {
  auto* loaded = new LoadedRuntime();  // never freed: TensorRT objects may outlive static destruction
  RuntimeRequest request;
  request.tensorrtHeaders = TensorRtHeadersVersion();
  request.onnxParserHeaders = Version{NV_ONNX_PARSER_MAJOR, NV_ONNX_PARSER_MINOR, NV_ONNX_PARSER_PATCH};
  request.cudaHeaders = CudaHeadersVersion();
  request.oldestCudaRuntime = OldestCudaRuntime();
  request.tensorrtSymbols = {{"createInferBuilder_INTERNAL", reinterpret_cast<void**>(&loaded->tensorrt.createInferBuilder)},
                             {"createInferRuntime_INTERNAL", reinterpret_cast<void**>(&loaded->tensorrt.createInferRuntime)}};
  request.parserSymbols = {{"createNvOnnxParser_INTERNAL", reinterpret_cast<void**>(&loaded->tensorrt.createOnnxParser)}};
  request.cudaSymbols = CudaSymbols(&loaded->cuda);
  request.searchPath = SearchPathFromEnvironment();
  request.cudaFallbackDirs = kCudaFolders;
  loaded->state = LoadRuntime(request);
  return loaded;
}

const LoadedRuntime& Loaded() {
  static const LoadedRuntime* loaded = Load();  // thread-safe, once
  return *loaded;
}

const LoadedRuntime& Usable() {
  const LoadedRuntime& loaded = Loaded();
  if (!loaded.state.available) {
    throw Error(codes::kBackendUnavailable, "TensorRT cannot be used here: " + loaded.state.reason);
  }
  return loaded;
}

}  // namespace

const RuntimeState& TensorRtRuntime() { return Loaded().state; }

const TensorRtApi& TensorRt() { return Usable().tensorrt; }

const CudaApi& Cuda() { return Usable().cuda; }

void RequireOnnxParser() {
  const LoadedRuntime& loaded = Usable();
  if (!loaded.state.canBuild) {
    throw Error(codes::kBackendUnavailable, "engines cannot be built here: " + loaded.state.buildReason);
  }
}

void ThrowMissingDlaCore(int dlaCore, int cores) {
  const std::string note = DlaUnavailableNote(TensorRtRuntime().tensorrt);
  throw Error(codes::kBackendUnavailable, AcceleratorName(dlaCore) + " does not exist here (this GPU has " + std::to_string(cores) +
                                              " DLA cores)" + (note.empty() ? "" : ": " + note));
}

Version TensorRtHeadersVersion() { return Version{NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH}; }

std::string CompiledVersionText() { return VersionText(TensorRtHeadersVersion()) + "." + std::to_string(NV_TENSORRT_BUILD); }

}  // namespace trt
}  // namespace dofa
