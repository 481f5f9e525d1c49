// The stand-in CUDA runtime's streams, events, memory and errors, on the default device (xavier-nx) and with the
// default stream delay. Capture and graphs: cuda_capture_test.cc; devices, versions, flags, faults and exit:
// cuda_environment_test.cc.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "tests/cuda_test_util.h"

using namespace cuda_test;

namespace {

// A host function that takes a while, then says it is done.
struct Slow {
  int ms = 30;
  std::atomic<bool> done{false};
};
void CUDART_CB SleepThenSet(void* data) {
  auto* slow = static_cast<Slow*>(data);
  SleepMs(slow->ms);
  slow->done = true;
}

void ErrorsAndNames() {
  CHECK(std::strcmp(cudaGetErrorName(cudaErrorMemoryAllocation), "cudaErrorMemoryAllocation") == 0);
  CHECK(std::strcmp(cudaGetErrorString(cudaErrorMemoryAllocation), "out of memory") == 0);
  CHECK(std::strcmp(cudaGetErrorString(cudaErrorNoDevice), "no CUDA-capable device is detected") == 0);
  CHECK(std::strcmp(cudaGetErrorName(static_cast<cudaError_t>(12345)), "unrecognized error code") == 0);
  int unknown = 0;
  CHECK_CUDA(cudaFree(&unknown), cudaErrorInvalidValue);
  CHECK_CUDA(cudaPeekAtLastError(), cudaErrorInvalidValue);
  cudaError_t otherThread = cudaErrorUnknown;
  std::thread([&] { otherThread = cudaGetLastError(); }).join();
  CHECK_CUDA(otherThread, cudaSuccess);  // the last error is per thread
  CHECK_OK(cudaFree(nullptr));           // a successful call leaves the last error alone
  CHECK_CUDA(cudaGetLastError(), cudaErrorInvalidValue);
  CHECK_OK(cudaGetLastError());
}

void Memory() {
  void* device = nullptr;
  CHECK_OK(cudaMalloc(&device, 1000));
  CHECK(reinterpret_cast<uintptr_t>(device) % 256 == 0);
  CHECK(static_cast<unsigned char*>(device)[999] == 0xFF);  // not zeroed: poisoned
  CHECK_CUDA(cudaFree(static_cast<char*>(device) + 256), cudaErrorInvalidValue);
  CHECK_CUDA(cudaFreeHost(device), cudaErrorInvalidValue);
  CHECK_OK(cudaFree(device));
  cudaDeviceProp properties;
  CHECK_OK(cudaGetDeviceProperties(&properties, 0));
  CHECK_CUDA(cudaMalloc(&device, properties.totalGlobalMem + 1), cudaErrorMemoryAllocation);  // more than the device has
  CHECK_OK(cudaMalloc(&device, 0));
  CHECK(device == nullptr);

  void* mapped = nullptr;
  void* pinned = nullptr;
  void* view = nullptr;
  CHECK_OK(cudaHostAlloc(&mapped, 100, cudaHostAllocMapped));
  CHECK(reinterpret_cast<uintptr_t>(mapped) % static_cast<uintptr_t>(sysconf(_SC_PAGESIZE)) == 0);
  CHECK_OK(cudaHostGetDevicePointer(&view, mapped, 0));
  CHECK(view == mapped);
  CHECK_OK(cudaHostGetDevicePointer(&view, static_cast<char*>(mapped) + 50, 0));
  CHECK(view == static_cast<char*>(mapped) + 50);
  CHECK_OK(cudaMallocHost(&pinned, 100));
  CHECK_CUDA(cudaHostGetDevicePointer(&view, pinned, 0), cudaErrorInvalidValue);  // unmapped: no device pointer
  CHECK_CUDA(cudaHostGetDevicePointer(&view, &view, 0), cudaErrorInvalidValue);
  CHECK_CUDA(cudaFree(mapped), cudaErrorInvalidValue);
  CHECK_CUDA(cudaHostAlloc(&pinned, 100, 0x40), cudaErrorInvalidValue);

  void* buffer = nullptr;
  CHECK_OK(cudaMalloc(&buffer, 64));
  const DynamicOfaStandinCudaStats during = Stats();
  CHECK(during.deviceAllocations == 1 && during.deviceBytes == 64 && during.hostAllocations == 2 && during.hostBytes == 200);
  char host[128] = {};
  CHECK_OK(cudaMemcpy(buffer, host, 64, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(buffer, host, 65, cudaMemcpyHostToDevice), cudaErrorInvalidValue);  // past the end
  CHECK_CUDA(cudaMemcpy(host, host + 64, 8, cudaMemcpyDeviceToHost), cudaErrorInvalidValue);  // not device memory
  CHECK_OK(cudaMemcpy(mapped, buffer, 64, cudaMemcpyDeviceToDevice));                     // mapped memory is
  CHECK_CUDA(cudaMemcpy(pinned, buffer, 64, cudaMemcpyDeviceToDevice), cudaErrorInvalidValue);  // unmapped is not
  CHECK_CUDA(cudaMemcpy(host, buffer, 8, static_cast<cudaMemcpyKind>(9)), cudaErrorInvalidMemcpyDirection);
  CHECK_CUDA(cudaMemset(static_cast<char*>(buffer) + 60, 0, 8), cudaErrorInvalidValue);
  CHECK_OK(cudaMemset(buffer, 7, 64));
  CHECK(static_cast<unsigned char*>(buffer)[63] == 7);
  CHECK_OK(cudaFree(buffer));
  CHECK_CUDA(cudaFree(buffer), cudaErrorInvalidValue);  // twice
  CHECK_OK(cudaFreeHost(mapped));
  CHECK_OK(cudaFreeHost(pinned));
  CHECK_OK(cudaFreeHost(nullptr));
  CHECK(NoLeaks());
}

struct Appender {
  std::vector<int>* order;
  int value;
};
void CUDART_CB Append(void* data) {
  auto* item = static_cast<Appender*>(data);
  item->order->push_back(item->value);
}

void OrderingOnAStream() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  std::vector<int> order;
  std::vector<Appender> items;
  for (int i = 0; i < 200; ++i) items.push_back(Appender{&order, i});
  for (Appender& item : items) CHECK_OK(cudaLaunchHostFunc(stream, Append, &item));
  float *device = nullptr, *in = nullptr, *out = nullptr;
  CHECK_OK(cudaMalloc(reinterpret_cast<void**>(&device), sizeof(float)));
  CHECK_OK(cudaMallocHost(reinterpret_cast<void**>(&in), sizeof(float)));
  CHECK_OK(cudaMallocHost(reinterpret_cast<void**>(&out), sizeof(float)));
  *in = 7;
  CHECK_OK(cudaMemsetAsync(device, 0, sizeof(float), stream));
  CHECK_OK(cudaMemcpyAsync(device, in, sizeof(float), cudaMemcpyHostToDevice, stream));
  CHECK_OK(cudaMemcpyAsync(out, device, sizeof(float), cudaMemcpyDeviceToHost, stream));
  CHECK_OK(cudaStreamSynchronize(stream));
  bool ordered = order.size() == 200;
  for (int i = 0; ordered && i < 200; ++i) ordered = order[static_cast<size_t>(i)] == i;
  CHECK(ordered);
  CHECK(*out == 7);
  CHECK_OK(cudaStreamDestroy(stream));
  CHECK_OK(cudaFree(device));
  CHECK_OK(cudaFreeHost(in));
  CHECK_OK(cudaFreeHost(out));
}

// The point of the stand-in: a host read without synchronization sees the old value.
void StaleReadBeforeSynchronize() {
  cudaStream_t stream = nullptr;
  float *device = nullptr, *host = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK_OK(cudaMalloc(reinterpret_cast<void**>(&device), sizeof(float)));
  CHECK_OK(cudaHostAlloc(reinterpret_cast<void**>(&host), sizeof(float), cudaHostAllocDefault));
  const float two = 2;
  CHECK_OK(cudaMemcpy(device, &two, sizeof(float), cudaMemcpyHostToDevice));
  *host = 1;
  CHECK_OK(cudaMemcpyAsync(host, device, sizeof(float), cudaMemcpyDeviceToHost, stream));
  CHECK(*host == 1);
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK(*host == 2);
  CHECK_OK(cudaStreamDestroy(stream));
  CHECK_OK(cudaFree(device));
  CHECK_OK(cudaFreeHost(host));
}

void Events() {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr, untimed = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK_OK(cudaEventCreate(&start));
  CHECK_OK(cudaEventCreateWithFlags(&stop, cudaEventDefault));
  CHECK_OK(cudaEventCreateWithFlags(&untimed, cudaEventBlockingSync | cudaEventDisableTiming));
  CHECK_CUDA(cudaEventCreateWithFlags(&untimed, cudaEventInterprocess), cudaErrorInvalidValue);
  float ms = -1;
  CHECK_OK(cudaEventQuery(start));  // never recorded: nothing to wait for
  CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop), cudaErrorInvalidResourceHandle);  // no recording, no time
  CHECK_CUDA(cudaGetLastError(), cudaErrorInvalidResourceHandle);
  Slow slow{20};
  CHECK_OK(cudaEventRecord(start, stream));
  CHECK_OK(cudaLaunchHostFunc(stream, SleepThenSet, &slow));
  CHECK_OK(cudaEventRecord(stop, stream));
  CHECK_OK(cudaEventRecord(untimed, stream));
  CHECK_CUDA(cudaEventQuery(stop), cudaErrorNotReady);
  CHECK_CUDA(cudaEventElapsedTime(&ms, start, stop), cudaErrorNotReady);
  CHECK_OK(cudaPeekAtLastError());  // not ready is a status, not an error
  CHECK_OK(cudaEventSynchronize(untimed));
  CHECK(slow.done);
  CHECK_OK(cudaEventQuery(stop));
  CHECK_OK(cudaEventElapsedTime(&ms, start, stop));
  CHECK(ms >= 19.5f && ms < 5000);
  CHECK_CUDA(cudaEventElapsedTime(&ms, start, untimed), cudaErrorInvalidResourceHandle);
  Slow again{10};
  CHECK_OK(cudaLaunchHostFunc(stream, SleepThenSet, &again));
  CHECK_OK(cudaEventRecord(stop, stream));
  CHECK_CUDA(cudaEventQuery(stop), cudaErrorNotReady);  // recorded again: incomplete again
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK_OK(cudaEventQuery(stop));
  CHECK_OK(cudaEventDestroy(start));
  CHECK_OK(cudaEventDestroy(stop));
  CHECK_OK(cudaEventDestroy(untimed));
  CHECK_CUDA(cudaEventDestroy(untimed), cudaErrorInvalidResourceHandle);
  CHECK_CUDA(cudaEventQuery(untimed), cudaErrorInvalidResourceHandle);
  CHECK_OK(cudaStreamDestroy(stream));
  CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorInvalidResourceHandle);
}

struct Observer {
  Slow* watched;
  bool sawDone = false;
};
void CUDART_CB Observe(void* data) {
  auto* observer = static_cast<Observer*>(data);
  observer->sawDone = observer->watched->done;
}

void WaitOnAnotherStream() {
  cudaStream_t first = nullptr, second = nullptr;
  cudaEvent_t event = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&first, cudaStreamNonBlocking));
  CHECK_OK(cudaStreamCreateWithFlags(&second, cudaStreamNonBlocking));
  CHECK_OK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
  Slow slow{30};
  Observer observer{&slow};
  CHECK_OK(cudaLaunchHostFunc(first, SleepThenSet, &slow));
  CHECK_OK(cudaEventRecord(event, first));
  CHECK_OK(cudaStreamWaitEvent(second, event, 0));
  CHECK_OK(cudaLaunchHostFunc(second, Observe, &observer));
  CHECK_OK(cudaStreamSynchronize(second));
  CHECK(observer.sawDone);
  CHECK_OK(cudaDeviceSynchronize());
  CHECK_OK(cudaEventDestroy(event));
  CHECK_OK(cudaStreamDestroy(first));
  CHECK_OK(cudaStreamDestroy(second));
}

// The legacy stream waits for blocking streams, not for non-blocking ones; its own work is done on return.
void LegacyDefaultStream() {
  cudaStream_t blocking = nullptr, nonBlocking = nullptr;
  CHECK_OK(cudaStreamCreate(&blocking));
  CHECK_OK(cudaStreamCreateWithFlags(&nonBlocking, cudaStreamNonBlocking));
  void* device = nullptr;
  CHECK_OK(cudaMalloc(&device, 16));
  Slow blockingWork{30};
  Slow nonBlockingWork{100};
  CHECK_OK(cudaLaunchHostFunc(blocking, SleepThenSet, &blockingWork));
  CHECK_OK(cudaLaunchHostFunc(nonBlocking, SleepThenSet, &nonBlockingWork));
  CHECK_OK(cudaMemset(device, 1, 16));
  CHECK(blockingWork.done);
  CHECK(!nonBlockingWork.done);
  unsigned char host[16] = {};
  CHECK_OK(cudaMemcpyAsync(host, device, 16, cudaMemcpyDeviceToHost, nullptr));
  CHECK(host[15] == 1);
  CHECK_OK(cudaStreamSynchronize(cudaStreamLegacy));
  CHECK_OK(cudaStreamSynchronize(nonBlocking));
  CHECK(nonBlockingWork.done);
  CHECK_OK(cudaStreamDestroy(blocking));
  CHECK_OK(cudaStreamDestroy(nonBlocking));
  CHECK_OK(cudaFree(device));
}

struct Writer {
  Slow slow;
  unsigned char* target = nullptr;
};
void CUDART_CB SleepThenWrite(void* data) {
  auto* writer = static_cast<Writer*>(data);
  SleepThenSet(&writer->slow);
  writer->target[0] = 42;
}

// Destroying a stream lets its work finish; frees and cudaDeviceSynchronize wait for every stream.
void PendingWorkFinishes() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  Slow slow{30};
  CHECK_OK(cudaLaunchHostFunc(stream, SleepThenSet, &slow));
  CHECK_OK(cudaStreamDestroy(stream));
  CHECK(slow.done);

  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  Writer writer;
  CHECK_OK(cudaMalloc(reinterpret_cast<void**>(&writer.target), 16));
  CHECK_OK(cudaLaunchHostFunc(stream, SleepThenWrite, &writer));
  CHECK_OK(cudaFree(writer.target));  // after the write (AddressSanitizer would see it otherwise)
  CHECK(writer.slow.done);
  Slow other{30};
  CHECK_OK(cudaLaunchHostFunc(stream, SleepThenSet, &other));
  CHECK_OK(cudaDeviceSynchronize());
  CHECK(other.done);
  CHECK_OK(cudaStreamDestroy(stream));
}

struct Probe {
  cudaError_t status = cudaSuccess;
};
void CUDART_CB CallCuda(void* data) {
  void* pointer = nullptr;
  static_cast<Probe*>(data)->status = cudaMalloc(&pointer, 16);
}

void HostFunctionsMayNotCallCuda() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  Probe probe;
  CHECK_OK(cudaLaunchHostFunc(stream, CallCuda, &probe));
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK_CUDA(probe.status, cudaErrorNotPermitted);
  CHECK_CUDA(cudaLaunchHostFunc(stream, nullptr, nullptr), cudaErrorInvalidValue);
  CHECK_OK(cudaStreamDestroy(stream));
}

void CUDART_CB Increment(void* data) { ++*static_cast<std::atomic<int>*>(data); }

// Several threads at once, as the addon's run threads, JS thread and builders do.
void ManyThreads() {
  std::atomic<int> calls{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        cudaStream_t stream = nullptr;
        cudaEvent_t done = nullptr;
        int *device = nullptr, *in = nullptr, *out = nullptr;
        bool ok = cudaStreamCreateWithFlags(&stream, t % 2 == 0 ? cudaStreamNonBlocking : cudaStreamDefault) == cudaSuccess &&
                  cudaEventCreateWithFlags(&done, cudaEventBlockingSync | cudaEventDisableTiming) == cudaSuccess &&
                  cudaMalloc(reinterpret_cast<void**>(&device), 1024) == cudaSuccess &&
                  cudaHostAlloc(reinterpret_cast<void**>(&in), 1024, cudaHostAllocMapped) == cudaSuccess &&
                  cudaMallocHost(reinterpret_cast<void**>(&out), 1024) == cudaSuccess;
        if (ok) {
          for (int k = 0; k < 256; ++k) in[k] = t * 1000 + i + k;
          ok = cudaMemcpyAsync(device, in, 1024, cudaMemcpyHostToDevice, stream) == cudaSuccess &&
               cudaLaunchHostFunc(stream, Increment, &calls) == cudaSuccess &&
               cudaMemcpyAsync(out, device, 1024, cudaMemcpyDeviceToHost, stream) == cudaSuccess &&
               cudaEventRecord(done, stream) == cudaSuccess && cudaEventSynchronize(done) == cudaSuccess &&
               out[255] == t * 1000 + i + 255;
        }
        ok = cudaStreamDestroy(stream) == cudaSuccess && ok;
        ok = cudaEventDestroy(done) == cudaSuccess && ok;
        ok = cudaFree(device) == cudaSuccess && cudaFreeHost(in) == cudaSuccess && cudaFreeHost(out) == cudaSuccess && ok;
        if (!ok || cudaGetLastError() != cudaSuccess) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(calls == 100);
}

}  // namespace

int main() {
  Deadline(120);
  Run("errors and names", ErrorsAndNames);
  Run("memory", Memory);
  Run("ordering on a stream", OrderingOnAStream);
  Run("stale read before synchronize", StaleReadBeforeSynchronize);
  Run("events", Events);
  Run("wait on another stream", WaitOnAnotherStream);
  Run("legacy default stream", LegacyDefaultStream);
  Run("pending work finishes", PendingWorkFinishes);
  Run("host functions may not call CUDA", HostFunctionsMayNotCallCuda);
  Run("many threads", ManyThreads);
  Run("no leaks", [] { CHECK(NoLeaks()); });
  return Finish();
}
