#include "trt/cuda_api.h"

// Two steps, so that a name the headers define as a macro is expanded before it becomes a string.
#define DOFA_STRINGIFY_EXPANDED(name) #name
#define DOFA_STRINGIFY(name) DOFA_STRINGIFY_EXPANDED(name)

namespace dofa {
namespace trt {

std::vector<Symbol> CudaSymbols(CudaApi* api) {
  return {
#define DOFA_CUDA_SYMBOL(member, function) {DOFA_STRINGIFY(function), reinterpret_cast<void**>(&api->member)},
      DOFA_CUDA_FUNCTIONS(DOFA_CUDA_SYMBOL)
#undef DOFA_CUDA_SYMBOL
  };
}

Version OldestCudaRuntime() {
  const Version headers = CudaHeadersVersion();
  if (headers.major == 11) return Version{11, 4, 0};
  return Version{headers.major, 0, 0};
}

Version CudaHeadersVersion() { return DecodeCudaVersion(CUDART_VERSION); }

}  // namespace trt
}  // namespace dofa
