// Drives the addon's library loader (binding/trt/runtime_loader.cc) without TensorRT or CUDA headers, for
// tensorrt-loader.test.ts, and prints what it decided as JSON.
//   loader_main load <tensorrt headers x.y.z> <cuda headers x.y> <oldest cuda runtime x.y> <onnx parser headers x.y.z>
//                    [cuda fallback dir...]
//     (the search path comes from DYNAMIC_OFA_TENSORRT_LIBRARY_PATH, as in the addon)
//   loader_main decode <getInferLibVersion value>   /   loader_main dla <x.y.z>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "trt/runtime_loader.h"

using dofa::trt::Version;

namespace {

Version Parse(const char* text) {
  Version version;
  std::sscanf(text, "%d.%d.%d", &version.major, &version.minor, &version.patch);
  return version;
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "decode" && argc == 3) {
    std::printf("%s\n", dofa::trt::VersionText(dofa::trt::DecodeTensorRtVersion(std::atoll(argv[2]))).c_str());
    return 0;
  }
  if (mode == "dla" && argc == 3) {
    std::printf("%s\n", dofa::trt::DlaUnavailableNote(Parse(argv[2])).c_str());
    return 0;
  }
  if (mode != "load" || argc < 6) return 2;
  void* builder = nullptr;
  void* runtime = nullptr;
  void* parser = nullptr;
  void* deviceCount = nullptr;
  void* cudaMallocSlot = nullptr;
  dofa::trt::RuntimeRequest request;
  request.tensorrtHeaders = Parse(argv[2]);
  request.cudaHeaders = Parse(argv[3]);
  request.oldestCudaRuntime = Parse(argv[4]);
  request.onnxParserHeaders = Parse(argv[5]);
  request.tensorrtSymbols = {{"createInferBuilder_INTERNAL", &builder}, {"createInferRuntime_INTERNAL", &runtime}};
  request.parserSymbols = {{"createNvOnnxParser_INTERNAL", &parser}};
  request.cudaSymbols = {{"cudaGetDeviceCount", &deviceCount}, {"cudaMalloc", &cudaMallocSlot}};
  request.searchPath = dofa::trt::SearchPathFromEnvironment();
  for (int i = 6; i < argc; ++i) request.cudaFallbackDirs.push_back(argv[i]);
  const dofa::trt::RuntimeState state = dofa::trt::LoadRuntime(request);

  std::string json = "{\"available\":" + std::string(state.available ? "true" : "false") +
                     ",\"reason\":" + Quoted(state.reason) + ",\"canBuild\":" + (state.canBuild ? "true" : "false") +
                     ",\"buildReason\":" + Quoted(state.buildReason) + ",\"tensorrt\":" + Quoted(dofa::trt::VersionText(state.tensorrt)) +
                     ",\"cudaRuntime\":" + Quoted(dofa::trt::VersionText(state.cudaRuntime, 2)) +
                     ",\"onnxParser\":" + Quoted(dofa::trt::VersionText(state.onnxParser)) +
                     ",\"tensorrtBuild\":" + Quoted(state.tensorrtBuild) + ",\"resolved\":{" +
                     "\"createInferBuilder_INTERNAL\":" + (builder ? "true" : "false") +
                     ",\"createNvOnnxParser_INTERNAL\":" + (parser ? "true" : "false") +
                     ",\"cudaMalloc\":" + (cudaMallocSlot ? "true" : "false") + "},\"libraries\":[";
  for (size_t i = 0; i < state.libraries.size(); ++i) {
    const dofa::trt::LibraryState& library = state.libraries[i];
    json += std::string(i ? "," : "") + "{\"role\":" + Quoted(library.role) + ",\"name\":" + Quoted(library.name) +
            ",\"loaded\":" + (library.loaded ? "true" : "false") + ",\"path\":" + Quoted(library.path) +
            ",\"version\":" + Quoted(library.version) + ",\"error\":" + Quoted(library.error) + "}";
  }
  std::printf("%s]}\n", json.c_str());
  return 0;
}
