// Loading TensorRT, its ONNX parser and the CUDA runtime at run time (dlopen): which library files, which entry
// points, which versions are accepted, and what to tell a user when something is missing. Nothing here includes a
// TensorRT or CUDA header, so these decisions compile and are tested on any machine (test/native/tensorrt-loader
// builds stand-in libraries); trt/trt_library.cc hands in the typed slots of the real entry points.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dofa {
namespace trt {

struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
};

// getInferLibVersion() / NV_TENSORRT_VERSION: 8.x encodes MAJ*1000+MIN*100+PATCH, 10+ MAJ*10000+MIN*100+PATCH.
Version DecodeTensorRtVersion(int64_t encoded);
// cudaRuntimeGetVersion() / CUDART_VERSION: MAJ*1000+MIN*10.
Version DecodeCudaVersion(int encoded);
// getNvOnnxParserVersion() / NV_ONNX_PARSER_VERSION: MAJ*10000+MIN*100+PATCH (the parser's own version, 0.1.0 in
// the 8.5 and 10.3 headers, not TensorRT's).
Version DecodeOnnxParserVersion(int encoded);
// "8.5.2" (parts = 3) or "11.4" (parts = 2).
std::string VersionText(const Version& version, int parts = 3);

// The files a build against headers of these majors loads. The CUDA runtime's soname changes with the major only
// (every 11.x runtime is libcudart.so.11.0), so a newer minor of the same major also satisfies it.
std::string TensorRtLibraryName(int tensorrtMajor);    // libnvinfer.so.8
std::string OnnxParserLibraryName(int tensorrtMajor);  // libnvonnxparser.so.8
std::string CudaRuntimeLibraryName(int cudaMajor);     // libcudart.so.11.0, libcudart.so.12

// "" when code compiled against `headers` may drive `library`; otherwise why not, naming both versions.
// TensorRT's public classes forward into internal interfaces of the release they were declared in: a library of
// another major, or of an older minor, lacks slots the headers call.
std::string TensorRtVersionRefusal(const Version& headers, const Version& library);
// The same rule for the ONNX parser library (its IParser forwards into internal interfaces as TensorRT's classes
// do), checked here because createNvOnnxParser_INTERNAL ignores the version it is given.
std::string OnnxParserVersionRefusal(const Version& headers, const Version& library, const std::string& file);
// What identifies the build of a loaded TensorRT library: plans and timing caches are reusable only with the same
// major, minor, patch and build (TensorRT's support policy). TensorRT 10 reports its build number
// (getInferLibBuildVersion: "26"); 8.x has no such entry point, so the size of the library file (its path from
// dladdr) stands for the build: another build of the same x.y.z is another file ("libnvinfer of 1234 bytes"). An
// honest proxy, not a build number (two builds of equal size would pass as one); "unknown" when neither is known.
std::string TensorRtBuild(int32_t (*getInferLibBuildVersion)(), const std::string& libraryPath);

// The CUDA runtime keeps its ABI within a major; the addon calls nothing newer than `oldestUsable`.
std::string CudaRuntimeVersionRefusal(const Version& headers, const Version& oldestUsable, const Version& runtime);
// Why TensorRT `library` has no DLA (10.8 to 11.3 ship none), or "" where it may have DLA cores.
std::string DlaUnavailableNote(const Version& library);

// One entry point to resolve: its exported name and where to store its address.
struct Symbol {
  std::string name;
  void** slot = nullptr;
  bool optional = false;  // a library without it still loads (the slot stays null)
};

struct LibraryState {
  std::string role;  // "TensorRT", "TensorRT's ONNX parser", "the CUDA runtime"
  std::string name;  // the file name asked for, libnvinfer.so.8
  bool loaded = false;
  std::string path;     // where the loaded file is
  std::string version;  // what it reports, "8.5.2" / "11.4"
  std::string error;    // why it was not loaded or not accepted
};

struct RuntimeRequest {
  Version tensorrtHeaders;    // NV_TENSORRT_MAJOR/MINOR/PATCH
  Version onnxParserHeaders;  // NV_ONNX_PARSER_MAJOR/MINOR/PATCH
  Version cudaHeaders;        // CUDART_VERSION
  Version oldestCudaRuntime;  // the oldest runtime that exports every symbol in cudaSymbols
  std::vector<Symbol> tensorrtSymbols;  // besides getInferLibVersion, which the loader resolves itself
  std::vector<Symbol> parserSymbols;   // besides getNvOnnxParserVersion, likewise
  std::vector<Symbol> cudaSymbols;      // besides cudaRuntimeGetVersion, likewise
  std::vector<std::string> searchPath;  // folders tried before the system's own search
  std::vector<std::string> cudaFallbackDirs;  // tried after it, for the CUDA runtime (JetPack keeps it there)
};

struct RuntimeState {
  bool available = false;  // TensorRT and the CUDA runtime are loaded and accepted: engines can run
  std::string reason;      // why not, with what to install
  bool canBuild = false;   // the ONNX parser too: engines can be built
  std::string buildReason;
  Version tensorrt;          // the loaded library's
  int64_t tensorrtEncoded = 0;  // as getInferLibVersion() reports it
  std::string tensorrtBuild;    // which build of that x.y.z it is (TensorRtBuild below); "" when not loaded
  Version cudaRuntime;  // likewise
  Version onnxParser;   // likewise (getNvOnnxParserVersion), when the parser was loaded
  std::vector<LibraryState> libraries;  // TensorRT, the CUDA runtime, the ONNX parser
};

// Opens the libraries with dlopen, resolves every symbol into its slot and checks versions. Never throws for a
// missing or refused library: the state says which and why. Libraries stay loaded for the life of the process.
RuntimeState LoadRuntime(const RuntimeRequest& request);

// DYNAMIC_OFA_TENSORRT_LIBRARY_PATH: folders (':'-separated) searched first for every library.
std::vector<std::string> SearchPathFromEnvironment();

}  // namespace trt
}  // namespace dofa
