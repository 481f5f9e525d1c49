// A stand-in for libnvinfer, libnvonnxparser or libcudart, for testing how the addon's loader chooses and refuses
// libraries (binding/trt/runtime_loader.cc). It exports the entry points the loader resolves and reports the
// version it is built with (-DFAKE_VERSION); nothing here does any work, and no test runs an engine with it.
//   -DFAKE_TENSORRT: getInferLibVersion, createInferBuilder_INTERNAL, createInferRuntime_INTERNAL, and
//                    getInferLibBuildVersion with -DFAKE_BUILD=<build> (TensorRT 10 has it, 8.x not); with
//                    -DFAKE_NEEDS_DEPENDENCY it calls fakeDependency() from libfakedependency.so (linked, then
//                    left absent, to stand for a missing dependency of libnvinfer)
//   -DFAKE_PARSER:   createNvOnnxParser_INTERNAL and (unless -DFAKE_WITHOUT_PARSER_VERSION) getNvOnnxParserVersion
//   -DFAKE_DEPENDENCY: fakeDependency
//   -DFAKE_CUDART:   cudaRuntimeGetVersion, cudaGetErrorString, cudaGetDeviceCount and (unless
//                    -DFAKE_WITHOUT_MALLOC) cudaMalloc; -DFAKE_DRIVER_ERROR makes cudaRuntimeGetVersion fail
#include <cstddef>
#include <cstdint>

extern "C" {

#ifdef FAKE_DEPENDENCY
int fakeDependency() { return 0; }
#endif

#ifdef FAKE_TENSORRT
#ifdef FAKE_NEEDS_DEPENDENCY
int fakeDependency();
int32_t getInferLibVersion() { return FAKE_VERSION + fakeDependency(); }
#else
int32_t getInferLibVersion() { return FAKE_VERSION; }
#endif
#ifdef FAKE_BUILD
int32_t getInferLibBuildVersion() { return FAKE_BUILD; }
#endif
void* createInferBuilder_INTERNAL(void*, int32_t) { return nullptr; }
void* createInferRuntime_INTERNAL(void*, int32_t) { return nullptr; }
#endif

#ifdef FAKE_PARSER
void* createNvOnnxParser_INTERNAL(void*, void*, int) { return nullptr; }
#ifndef FAKE_WITHOUT_PARSER_VERSION
int getNvOnnxParserVersion() { return FAKE_VERSION; }
#endif
#endif

#ifdef FAKE_CUDART
int cudaRuntimeGetVersion(int* version) {
#ifdef FAKE_DRIVER_ERROR
  *version = 0;
  return 35;
#else
  *version = FAKE_VERSION;
  return 0;
#endif
}
const char* cudaGetErrorString(int status) { return status == 35 ? "CUDA driver version is insufficient" : "no error"; }
int cudaGetDeviceCount(int* count) {
  *count = 0;
  return 100;
}
#ifndef FAKE_WITHOUT_MALLOC
int cudaMalloc(void** pointer, size_t) {
  *pointer = nullptr;
  return 2;
}
#endif
#endif
}
