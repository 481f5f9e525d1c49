#include "trt/runtime_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdlib>

namespace dofa {
namespace trt {
namespace {

// What to install for each library, by the major the addon was built for (JetPack's package names).
std::string InstallHint(const std::string& role, int major) {
  if (role == "the CUDA runtime") {
    if (major == 11) return "JetPack 5 ships it as cuda-cudart-11-4 (sudo apt install nvidia-cuda)";
    if (major == 12) return "JetPack 6 ships it as cuda-cudart-12-6 or -12-2 (sudo apt install nvidia-cuda)";
    return "install the CUDA " + std::to_string(major) + ".x runtime";
  }
  const std::string packages = role == "TensorRT" ? "libnvinfer" : "libnvonnxparsers";
  if (major == 8) return "JetPack 5 ships it as " + packages + "8 (sudo apt install nvidia-tensorrt)";
  if (major == 10) return "JetPack 6 ships it as " + packages + "10 (sudo apt install nvidia-tensorrt)";
  return "install TensorRT " + std::to_string(major) + ".x";
}

std::string DlError() {
  const char* error = dlerror();
  return error != nullptr ? error : "unknown dlopen error";
}

// The file that dlerror()'s text says does not exist ("libcudart.so.12: cannot open shared object file: No such file
// or directory"), or "" when it says something else (another architecture, a missing symbol, no permission).
std::string AbsentFile(const std::string& error) {
  const size_t end = error.find(": cannot open shared object file");
  if (end == std::string::npos || error.find("No such file or directory", end) == std::string::npos) return "";
  return error.substr(0, end);
}

// Why no attempt to open a library succeeded: the system search's error, which names the file the way users
// know it, and the first attempt that found the file but could not load it (dlerror() then names something else
// than an absent file: a missing dependency, another architecture, a missing symbol version).
struct OpenFailure {
  std::string systemError;
  std::string foundWhere;  // "in <folder>" / "by the system search ..."; "" when the file was found nowhere
  std::string foundError;
};

// After a failed dlopen of `asked` (a path, or a bare name for the system search).
void NoteFailure(const std::string& asked, const std::string& where, OpenFailure* failure) {
  const std::string error = DlError();
  if (AbsentFile(error) != asked && failure->foundWhere.empty()) {
    failure->foundWhere = where;
    failure->foundError = error;
  }
  if (asked.find('/') == std::string::npos) failure->systemError = error;
}

// dlopen in the order: the search path, the system's own search (LD_LIBRARY_PATH, ld.so.cache), the fallbacks.
void* Open(const std::string& name, const std::vector<std::string>& first, const std::vector<std::string>& last,
           OpenFailure* failure) {
  for (const std::string& dir : first) {
    const std::string path = dir + "/" + name;
    if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    NoteFailure(path, "in " + dir, failure);
  }
  if (void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
  NoteFailure(name, "by the system search (LD_LIBRARY_PATH, ld.so.cache)", failure);
  for (const std::string& dir : last) {
    const std::string path = dir + "/" + name;
    if (void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) return handle;
    NoteFailure(path, "in " + dir, failure);
  }
  return nullptr;
}

// What to install for a missing dependency of one of the libraries: the CUDA runtime and TensorRT by their JetPack
// packages, anything else by name.
std::string DependencyHint(const std::string& dependency) {
  const std::string cudart = "libcudart.so.";
  if (dependency.compare(0, cudart.size(), cudart) == 0) {
    return InstallHint("the CUDA runtime", std::atoi(dependency.c_str() + cudart.size())) + ", or add its folder to LD_LIBRARY_PATH";
  }
  const std::string nvinfer = "libnvinfer.so.";
  if (dependency.compare(0, nvinfer.size(), nvinfer) == 0) {
    return InstallHint("TensorRT", std::atoi(dependency.c_str() + nvinfer.size())) + ", or add its folder to LD_LIBRARY_PATH";
  }
  return "install the package that has " + dependency + " (JetPack's CUDA, cuDNN and TensorRT packages: sudo apt install "
         "nvidia-jetpack), or add its folder to LD_LIBRARY_PATH";
}

// Why `name` cannot be used, from what opening it found.
std::string OpenError(const std::string& name, const std::string& role, int major, const OpenFailure& failure) {
  if (failure.foundWhere.empty()) {
    std::string error = failure.systemError;
    if (error.compare(0, name.size() + 2, name + ": ") == 0) error.erase(0, name.size() + 2);
    return name + " was not found (" + error + "); " + InstallHint(role, major) +
           ", or add its folder to DYNAMIC_OFA_TENSORRT_LIBRARY_PATH";
  }
  const std::string found = name + " was found " + failure.foundWhere + " but cannot be loaded: ";
  const std::string dependency = AbsentFile(failure.foundError);  // not the file asked for: that one was found
  if (dependency.empty()) return found + failure.foundError;
  // The system's loader looks for a library's own dependencies; DYNAMIC_OFA_TENSORRT_LIBRARY_PATH is not searched.
  return found + "it needs " + dependency + ", which was not found (" + failure.foundError + "); " + DependencyHint(dependency);
}

// Opens one library and resolves its symbols; on failure the state says why and every slot stays null.
void* Load(LibraryState* state, int major, const std::vector<Symbol>& symbols, const RuntimeRequest& request,
           const std::vector<std::string>& fallbacks) {
  OpenFailure failure;
  void* handle = Open(state->name, request.searchPath, fallbacks, &failure);
  if (handle == nullptr) {
    state->error = OpenError(state->name, state->role, major, failure);
    return nullptr;
  }
  for (const Symbol& symbol : symbols) {
    dlerror();
    void* address = dlsym(handle, symbol.name.c_str());
    if (address == nullptr && symbol.optional) {
      *symbol.slot = nullptr;
      continue;
    }
    if (address == nullptr) {
      state->error = state->name + " has no entry point " + symbol.name + " (" + DlError() + ")";
      for (const Symbol& reset : symbols) *reset.slot = nullptr;
      return nullptr;
    }
    *symbol.slot = address;
  }
  Dl_info where{};
  if (!symbols.empty() && dladdr(*symbols.front().slot, &where) != 0 && where.dli_fname != nullptr) {
    state->path = where.dli_fname;
  }
  state->loaded = true;
  return handle;
}

}  // namespace

Version DecodeTensorRtVersion(int64_t encoded) {
  // 8.x stays below 10000 (8.6.16 = 8616); 10.0.0 is 100000 (and a 9.x in either encoding is >= 9000).
  const bool wide = encoded >= 10000;
  const int64_t scale = wide ? 10000 : 1000;
  const int64_t rest = encoded % scale;
  return Version{static_cast<int>(encoded / scale), static_cast<int>(rest / 100), static_cast<int>(rest % 100)};
}

Version DecodeCudaVersion(int encoded) { return Version{encoded / 1000, (encoded % 1000) / 10, 0}; }

Version DecodeOnnxParserVersion(int encoded) { return Version{encoded / 10000, (encoded % 10000) / 100, encoded % 100}; }

std::string VersionText(const Version& version, int parts) {
  std::string text = std::to_string(version.major) + "." + std::to_string(version.minor);
  return parts >= 3 ? text + "." + std::to_string(version.patch) : text;
}

std::string TensorRtLibraryName(int tensorrtMajor) { return "libnvinfer.so." + std::to_string(tensorrtMajor); }

std::string OnnxParserLibraryName(int tensorrtMajor) { return "libnvonnxparser.so." + std::to_string(tensorrtMajor); }

std::string CudaRuntimeLibraryName(int cudaMajor) {
  return cudaMajor == 11 ? "libcudart.so.11.0" : "libcudart.so." + std::to_string(cudaMajor);
}

std::string TensorRtVersionRefusal(const Version& headers, const Version& library) {
  const std::string versions = "TensorRT " + VersionText(library) + " is installed; this addon was built with TensorRT " +
                               VersionText(headers) + " headers";
  if (library.major != headers.major) {
    return versions + ", and a library of another major has other internal interfaces. Use the addon built for TensorRT " +
           std::to_string(library.major) + ", or install TensorRT " + std::to_string(headers.major) + ".x";
  }
  if (library.minor < headers.minor) {
    return versions + ", and an older minor lacks interface slots the newer headers call. Install TensorRT " +
           VersionText(headers, 2) + " or a newer " + std::to_string(headers.major) + ".x";
  }
  return "";
}

std::string OnnxParserVersionRefusal(const Version& headers, const Version& library, const std::string& file) {
  const std::string versions = "TensorRT's ONNX parser " + file + " reports parser version " + VersionText(library) +
                               "; this addon was built with ONNX parser " + VersionText(headers) + " headers";
  const std::string install = ". Install the ONNX parser of the TensorRT release installed (its libnvonnxparsers package)";
  if (library.major != headers.major) return versions + ", and a parser of another major has other internal interfaces" + install;
  if (library.minor < headers.minor) return versions + ", and an older minor lacks interface slots the newer headers call" + install;
  return "";
}

std::string TensorRtBuild(int32_t (*getInferLibBuildVersion)(), const std::string& libraryPath) {
  if (getInferLibBuildVersion != nullptr) return std::to_string(getInferLibBuildVersion());
  struct stat file {};
  if (libraryPath.empty() || stat(libraryPath.c_str(), &file) != 0) return "unknown";
  return "libnvinfer of " + std::to_string(static_cast<int64_t>(file.st_size)) + " bytes";
}

std::string CudaRuntimeVersionRefusal(const Version& headers, const Version& oldestUsable, const Version& runtime) {
  const std::string versions = "CUDA runtime " + VersionText(runtime, 2) + " is installed; this addon was built with CUDA " +
                               VersionText(headers, 2) + " headers";
  if (runtime.major != headers.major) return versions + ", and a runtime of another major has another ABI";
  if (runtime.minor < oldestUsable.minor) {
    return versions + " and calls functions the runtime has from CUDA " + VersionText(oldestUsable, 2) + " on";
  }
  return "";
}

std::string DlaUnavailableNote(const Version& library) {
  const bool after107 = library.major > 10 || (library.major == 10 && library.minor >= 8);
  const bool before114 = library.major < 11 || (library.major == 11 && library.minor < 4);
  if (!after107 || !before114) return "";
  return "TensorRT " + VersionText(library) +
         " has no DLA support (10.7 was the last 10.x with DLA; 11.0 to 11.3 have none): use the gpu device, or "
         "TensorRT 8.5 (JetPack 5) / 10.3 (JetPack 6) for dla0 and dla1";
}

RuntimeState LoadRuntime(const RuntimeRequest& request) {
  RuntimeState state;
  const int trtMajor = request.tensorrtHeaders.major;
  const int cudaMajor = request.cudaHeaders.major;
  state.libraries.resize(3);
  state.libraries[0].role = "TensorRT";
  state.libraries[0].name = TensorRtLibraryName(trtMajor);
  state.libraries[1].role = "the CUDA runtime";
  state.libraries[1].name = CudaRuntimeLibraryName(cudaMajor);
  state.libraries[2].role = "TensorRT's ONNX parser";
  state.libraries[2].name = OnnxParserLibraryName(trtMajor);
  LibraryState& trt = state.libraries[0];
  LibraryState& cuda = state.libraries[1];
  LibraryState& parser = state.libraries[2];

  int32_t (*getInferLibVersion)() = nullptr;
  int32_t (*getInferLibBuildVersion)() = nullptr;  // TensorRT 10 on
  std::vector<Symbol> trtSymbols{{"getInferLibVersion", reinterpret_cast<void**>(&getInferLibVersion)},
                                 {"getInferLibBuildVersion", reinterpret_cast<void**>(&getInferLibBuildVersion), true}};
  trtSymbols.insert(trtSymbols.end(), request.tensorrtSymbols.begin(), request.tensorrtSymbols.end());
  if (Load(&trt, trtMajor, trtSymbols, request, {}) != nullptr) {
    state.tensorrtEncoded = getInferLibVersion();
    state.tensorrtBuild = TensorRtBuild(getInferLibBuildVersion, trt.path);
    state.tensorrt = DecodeTensorRtVersion(state.tensorrtEncoded);
    trt.version = VersionText(state.tensorrt);
    trt.error = TensorRtVersionRefusal(request.tensorrtHeaders, state.tensorrt);
  }

  // cudaError_t is an int-sized enum (0 = cudaSuccess): these two signatures hold in every CUDA release.
  int (*cudaRuntimeGetVersion)(int*) = nullptr;
  const char* (*cudaGetErrorString)(int) = nullptr;
  std::vector<Symbol> cudaSymbols{{"cudaRuntimeGetVersion", reinterpret_cast<void**>(&cudaRuntimeGetVersion)},
                                  {"cudaGetErrorString", reinterpret_cast<void**>(&cudaGetErrorString)}};
  cudaSymbols.insert(cudaSymbols.end(), request.cudaSymbols.begin(), request.cudaSymbols.end());
  if (Load(&cuda, cudaMajor, cudaSymbols, request, request.cudaFallbackDirs) != nullptr) {
    int encoded = 0;
    const int status = cudaRuntimeGetVersion(&encoded);
    if (status != 0) {
      // Some runtimes need the driver even for this (CUDA 11 returns "driver version is insufficient" without one).
      cuda.error = cuda.name + " does not work here: cudaRuntimeGetVersion: " + cudaGetErrorString(status) +
                   " (no NVIDIA driver for this runtime?)";
    } else {
      state.cudaRuntime = DecodeCudaVersion(encoded);
      cuda.version = VersionText(state.cudaRuntime, 2);
      cuda.error = CudaRuntimeVersionRefusal(request.cudaHeaders, request.oldestCudaRuntime, state.cudaRuntime);
    }
  }

  // The parser needs libnvinfer (its own dependency), so it is tried only once that is accepted.
  if (trt.loaded && trt.error.empty()) {
    int (*getNvOnnxParserVersion)() = nullptr;
    std::vector<Symbol> parserSymbols{{"getNvOnnxParserVersion", reinterpret_cast<void**>(&getNvOnnxParserVersion)}};
    parserSymbols.insert(parserSymbols.end(), request.parserSymbols.begin(), request.parserSymbols.end());
    if (Load(&parser, trtMajor, parserSymbols, request, {}) != nullptr) {
      state.onnxParser = DecodeOnnxParserVersion(getNvOnnxParserVersion());
      parser.version = VersionText(state.onnxParser);
      parser.error = OnnxParserVersionRefusal(request.onnxParserHeaders, state.onnxParser, parser.name);
    }
  } else {
    parser.error = "not tried: TensorRT itself is not usable";
  }

  for (const LibraryState* library : {&trt, &cuda}) {
    if (library->error.empty()) continue;
    state.reason += (state.reason.empty() ? "" : "; ") + library->error;
  }
  state.available = state.reason.empty();
  state.canBuild = state.available && parser.loaded && parser.error.empty();
  state.buildReason = state.available ? parser.error : state.reason;
  return state;
}

std::vector<std::string> SearchPathFromEnvironment() {
  std::vector<std::string> dirs;
  const char* value = std::getenv("DYNAMIC_OFA_TENSORRT_LIBRARY_PATH");
  std::string rest = value != nullptr ? value : "";
  while (!rest.empty()) {
    const size_t colon = rest.find(':');
    const std::string dir = rest.substr(0, colon);
    if (!dir.empty()) dirs.push_back(dir);
    rest = colon == std::string::npos ? "" : rest.substr(colon + 1);
  }
  return dirs;
}

}  // namespace trt
}  // namespace dofa
