// Stream capture and CUDA graphs in the stand-in CUDA runtime: recording instead of running, replay with the
// recorded arguments, and what invalidates a capture.
#include <atomic>
#include <thread>

#include "tests/cuda_test_util.h"

using namespace cuda_test;

namespace {

// What TensorRT's enqueue does in the graph below: read the input buffer, write the output buffer.
struct Doubler {
  float* deviceIn = nullptr;
  float* deviceOut = nullptr;
  std::atomic<int> calls{0};
};
void CUDART_CB Double(void* data) {
  auto* doubler = static_cast<Doubler*>(data);
  doubler->deviceOut[0] = doubler->deviceIn[0] * 2;
  ++doubler->calls;
}

void CUDART_CB Increment(void* data) { ++*static_cast<std::atomic<int>*>(data); }

cudaError_t InstantiatePlain(cudaGraphExec_t* exec, cudaGraph_t graph) {
#if CUDART_VERSION >= 12000
  return cudaGraphInstantiate(exec, graph, 0);
#else
  char log[16] = "untouched";
  cudaGraphNode_t errorNode = nullptr;
  return cudaGraphInstantiate(exec, graph, &errorNode, log, sizeof(log));
#endif
}

// A host function captured once and replayed twice runs twice, each time on the buffers' new contents.
void CaptureAndReplay() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  float *in = nullptr, *out = nullptr;
  Doubler doubler;
  CHECK_OK(cudaHostAlloc(reinterpret_cast<void**>(&in), sizeof(float), cudaHostAllocDefault));
  CHECK_OK(cudaHostAlloc(reinterpret_cast<void**>(&out), sizeof(float), cudaHostAllocDefault));
  CHECK_OK(cudaMalloc(reinterpret_cast<void**>(&doubler.deviceIn), sizeof(float)));
  CHECK_OK(cudaMalloc(reinterpret_cast<void**>(&doubler.deviceOut), sizeof(float)));
  cudaEvent_t captured = nullptr;
  CHECK_OK(cudaEventCreate(&captured));

  *in = 1;
  *out = -1;
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK_OK(cudaStreamIsCapturing(stream, &status));
  CHECK(status == cudaStreamCaptureStatusActive);
  CHECK_OK(cudaMemcpyAsync(doubler.deviceIn, in, sizeof(float), cudaMemcpyHostToDevice, stream));
  CHECK_OK(cudaLaunchHostFunc(stream, Double, &doubler));
  CHECK_OK(cudaMemcpyAsync(out, doubler.deviceOut, sizeof(float), cudaMemcpyDeviceToHost, stream));
  CHECK_OK(cudaEventRecord(captured, stream));
  CHECK_OK(cudaEventQuery(captured));  // a node of the graph: the event itself was not recorded
  SleepMs(5);
  CHECK(doubler.calls == 0 && *out == -1);  // recorded, not run
  cudaGraph_t graph = nullptr;
  CHECK_OK(cudaStreamEndCapture(stream, &graph));
  CHECK(graph != nullptr);
  CHECK_OK(cudaStreamIsCapturing(stream, &status));
  CHECK(status == cudaStreamCaptureStatusNone);

  cudaGraphExec_t exec = nullptr;
  cudaGraphExec_t plain = nullptr;
  CHECK_OK(cudaGraphInstantiateWithFlags(&exec, graph, 0));
  CHECK_OK(InstantiatePlain(&plain, graph));
  CHECK(Stats().graphs == 1 && Stats().graphExecs == 2);
  CHECK_OK(cudaGraphDestroy(graph));  // executable graphs do not need their graph

  *in = 3;
  CHECK_OK(cudaGraphLaunch(exec, stream));
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK(*out == 6 && doubler.calls == 1);
  CHECK_OK(cudaEventQuery(captured));
  *in = 5;
  CHECK_OK(cudaGraphLaunch(plain, stream));
  CHECK_OK(cudaEventSynchronize(captured));  // the replayed record node completes the event
  CHECK(*out == 10 && doubler.calls == 2);

  // A graph copying from freed device memory would be an illegal address: the launch is refused.
  CHECK_OK(cudaFree(doubler.deviceOut));
  CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaErrorIllegalAddress);
  CHECK_OK(cudaGraphExecDestroy(exec));
  CHECK_OK(cudaGraphExecDestroy(plain));
  CHECK_CUDA(cudaGraphExecDestroy(plain), cudaErrorInvalidResourceHandle);
  CHECK_CUDA(cudaGraphDestroy(graph), cudaErrorInvalidValue);
  CHECK_OK(cudaEventDestroy(captured));
  CHECK_OK(cudaStreamDestroy(stream));
  CHECK_OK(cudaFree(doubler.deviceIn));
  CHECK_OK(cudaFreeHost(in));
  CHECK_OK(cudaFreeHost(out));
}

// Synchronizing a capturing stream fails and invalidates the capture; the stream works normally afterwards.
void SynchronizeInvalidatesCapture() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  std::atomic<int> calls{0};
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));
  CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorStreamCaptureUnsupported);
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK_OK(cudaStreamIsCapturing(stream, &status));
  CHECK(status == cudaStreamCaptureStatusInvalidated);
  CHECK_CUDA(cudaLaunchHostFunc(stream, Increment, &calls), cudaErrorStreamCaptureInvalidated);
  cudaGraph_t graph = reinterpret_cast<cudaGraph_t>(&calls);
  CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorStreamCaptureInvalidated);
  CHECK(graph == nullptr);
  CHECK_CUDA(cudaGetLastError(), cudaErrorStreamCaptureInvalidated);
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK(calls == 1);
  CHECK_OK(cudaStreamDestroy(stream));
}

// Potentially unsafe calls (here cudaMalloc) during a capture, per capture mode.
void UnsafeCallsDuringCapture() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  void* mine = nullptr;
  void* theirs = nullptr;
  cudaError_t theirStatus = cudaErrorUnknown;
  cudaGraph_t graph = nullptr;

  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  std::thread([&] { theirStatus = cudaMalloc(&theirs, 16); }).join();
  CHECK_OK(theirStatus);  // another thread is not bound by a thread-local capture
  CHECK_CUDA(cudaMalloc(&mine, 16), cudaErrorStreamCaptureUnsupported);
  CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorStreamCaptureInvalidated);
  CHECK_OK(cudaFree(theirs));

  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
  std::thread([&] { theirStatus = cudaMalloc(&theirs, 16); }).join();
  CHECK_CUDA(theirStatus, cudaErrorStreamCaptureUnsupported);  // a global capture binds every thread
  CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorStreamCaptureInvalidated);

  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
  CHECK_OK(cudaMalloc(&mine, 16));
  CHECK_OK(cudaStreamEndCapture(stream, &graph));
  CHECK_OK(cudaGraphDestroy(graph));
  CHECK_OK(cudaFree(mine));

  // A thread-local capture is ended by the thread that began it.
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), cudaErrorIllegalState);
  std::thread([&] { theirStatus = cudaStreamEndCapture(stream, &graph); }).join();
  CHECK_CUDA(theirStatus, cudaErrorStreamCaptureWrongThread);
  CHECK_OK(cudaStreamEndCapture(stream, &graph));
  CHECK_OK(cudaGraphDestroy(graph));
  CHECK_CUDA(cudaStreamEndCapture(stream, &graph), cudaErrorIllegalState);
  CHECK_CUDA(cudaStreamBeginCapture(nullptr, cudaStreamCaptureModeGlobal), cudaErrorStreamCaptureUnsupported);
  CHECK_CUDA(cudaStreamBeginCapture(cudaStreamLegacy, cudaStreamCaptureModeRelaxed), cudaErrorStreamCaptureUnsupported);
  CHECK_OK(cudaStreamDestroy(stream));
}

// The legacy stream cannot depend on a capturing blocking stream; non-blocking streams do not matter to it.
void LegacyStreamDuringCapture() {
  cudaStream_t blocking = nullptr, nonBlocking = nullptr;
  CHECK_OK(cudaStreamCreate(&blocking));
  CHECK_OK(cudaStreamCreateWithFlags(&nonBlocking, cudaStreamNonBlocking));
  void* device = nullptr;
  CHECK_OK(cudaMalloc(&device, 16));
  unsigned char host[16] = {};
  cudaGraph_t graph = nullptr;

  CHECK_OK(cudaStreamBeginCapture(nonBlocking, cudaStreamCaptureModeRelaxed));
  CHECK_OK(cudaMemcpyAsync(host, device, 16, cudaMemcpyDeviceToHost, nullptr));
  CHECK_OK(cudaStreamEndCapture(nonBlocking, &graph));
  CHECK_OK(cudaGraphDestroy(graph));

  CHECK_OK(cudaStreamBeginCapture(blocking, cudaStreamCaptureModeRelaxed));
  CHECK_CUDA(cudaMemcpyAsync(host, device, 16, cudaMemcpyDeviceToHost, nullptr), cudaErrorStreamCaptureImplicit);
  CHECK_CUDA(cudaStreamEndCapture(blocking, &graph), cudaErrorStreamCaptureInvalidated);

  CHECK_OK(cudaStreamDestroy(blocking));
  CHECK_OK(cudaStreamDestroy(nonBlocking));
  CHECK_OK(cudaFree(device));
}

// A graph launched into a capturing stream becomes part of the new capture.
void GraphInsideCapture() {
  cudaStream_t stream = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  std::atomic<int> calls{0};
  cudaGraph_t inner = nullptr, outer = nullptr;
  cudaGraphExec_t innerExec = nullptr, outerExec = nullptr;
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));
  CHECK_OK(cudaStreamEndCapture(stream, &inner));
  CHECK_OK(cudaGraphInstantiateWithFlags(&innerExec, inner, 0));
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  CHECK_OK(cudaGraphLaunch(innerExec, stream));
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));
  CHECK_OK(cudaStreamEndCapture(stream, &outer));
  CHECK_OK(cudaGraphInstantiateWithFlags(&outerExec, outer, 0));
  CHECK(calls == 0);
  CHECK_OK(cudaGraphLaunch(outerExec, stream));
  CHECK_OK(cudaStreamSynchronize(stream));
  CHECK(calls == 2);
  CHECK_CUDA(cudaGraphInstantiateWithFlags(&outerExec, reinterpret_cast<cudaGraph_t>(&calls), 0), cudaErrorInvalidValue);
  CHECK_OK(cudaGraphExecDestroy(innerExec));
  CHECK_OK(cudaGraphExecDestroy(outerExec));
  CHECK_OK(cudaGraphDestroy(inner));
  CHECK_OK(cudaGraphDestroy(outer));
  CHECK_OK(cudaStreamDestroy(stream));
}

}  // namespace

int main() {
  Deadline(60);
  Run("capture and replay", CaptureAndReplay);
  Run("synchronize invalidates capture", SynchronizeInvalidatesCapture);
  Run("unsafe calls during capture", UnsafeCallsDuringCapture);
  Run("legacy stream during capture", LegacyStreamDuringCapture);
  Run("graph inside capture", GraphInsideCapture);
  Run("no leaks", [] { CHECK(NoLeaks()); });
  return Finish();
}
