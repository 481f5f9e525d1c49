// Device and pinned host memory: host memory the stand-in tracks, so that frees of unknown pointers fail and copies
// outside any allocation are caught.
#pragma once

#include <cstddef>

namespace dofa_standin {
namespace cuda {

// Whether the device may touch [pointer, pointer + bytes): it lies in one live cudaMalloc allocation, or in one
// mapped (cudaHostAllocMapped) host allocation. Zero bytes are always accessible.
bool IsDeviceAccessible(const void* pointer, size_t bytes);

}  // namespace cuda
}  // namespace dofa_standin
