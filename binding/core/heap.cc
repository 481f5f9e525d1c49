#include "core/heap.h"

#if defined(__GLIBC__)
#include <dlfcn.h>
#include <malloc.h>
#endif

namespace dofa {

#if defined(__GLIBC__)
namespace {

// mallinfo2 (glibc 2.33) has size_t fields; the prebuilt binaries target glibc 2.28, so it is looked up at run time and
// mallinfo (int fields, wrong beyond 2 GiB) stands in where it is missing.
struct Mallinfo2 {
  size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};
using Mallinfo2Fn = Mallinfo2 (*)();

}  // namespace

HeapStats ReadHeapStats() {
  static const auto mallinfo2 = reinterpret_cast<Mallinfo2Fn>(dlsym(RTLD_DEFAULT, "mallinfo2"));
  HeapStats stats;
  stats.available = true;
  if (mallinfo2 != nullptr) {
    const Mallinfo2 info = mallinfo2();
    stats.inUseBytes = info.uordblks + info.hblkhd;
    stats.freeBytes = info.fordblks;
  } else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const struct mallinfo info = mallinfo();
#pragma GCC diagnostic pop
    stats.inUseBytes = static_cast<unsigned>(info.uordblks) + static_cast<unsigned>(info.hblkhd);
    stats.freeBytes = static_cast<unsigned>(info.fordblks);
  }
  return stats;
}

void ReturnFreeHeap() { malloc_trim(0); }

#else

HeapStats ReadHeapStats() { return HeapStats{}; }
void ReturnFreeHeap() {}

#endif

}  // namespace dofa
