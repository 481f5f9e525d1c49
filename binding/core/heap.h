// The C heap as glibc's allocator sees it: what is in use, and handing freed pages back to the system.
// Loading a sub-network parses its whole model file and frees most of it again; glibc keeps such freed memory for
// reuse instead of returning it, so without a trim a loaded family looks (and on a small board is) twice its size.
#pragma once

#include <cstddef>

namespace dofa {

struct HeapStats {
  bool available = false;  // false where the C library is not glibc: the counts are then 0
  size_t inUseBytes = 0;   // allocated and not yet freed, over every malloc arena and mmapped block
  size_t freeBytes = 0;    // freed but still held by the allocator (what a trim may return)
};

HeapStats ReadHeapStats();
// Returns freed heap pages to the system (glibc's malloc_trim). Costs a walk over the free lists: call after a load
// or a close, never per run.
void ReturnFreeHeap();

}  // namespace dofa
