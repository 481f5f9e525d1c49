#include "trt/trt_info.h"

#include <NvInferVersion.h>

#include "core/errors.h"
#include "trt/cuda_buffers.h"
#include "trt/trt_common.h"
#include "trt/trt_entry_points.h"

namespace dofa {
namespace {

TrtInfo ComputeTrtInfo() {
  trt::TensorRt();  // throws when TensorRT or the CUDA runtime cannot be used
  const trt::RuntimeState& runtime = trt::TensorRtRuntime();
  TrtInfo info;
  info.version = trt::VersionText(runtime.tensorrt);
  info.encoded = runtime.tensorrtEncoded;
  info.build = runtime.tensorrtBuild;
  info.compiledVersion = trt::CompiledVersionText();
  info.compiledEncoded = static_cast<int64_t>(NV_TENSORRT_VERSION);
  info.cudaHeaders = trt::VersionText(trt::CudaHeadersVersion(), 2);
  info.dlaNote = trt::DlaUnavailableNote(runtime.tensorrt);
  try {
    info.cuda = QueryCudaDevice();
    info.hasCuda = true;
    trt::LogCapture capture;
    trt::Ptr<nvinfer1::IRuntime> trtRuntime(trt::CreateRuntime());
    info.dlaCores = trtRuntime ? trtRuntime->getNbDLACores() : 0;
  } catch (const Error& error) {
    info.hasCuda = false;
    info.cudaError = error.what();
    info.dlaCores = 0;
  }
  return info;
}

}  // namespace

const TrtInfo& QueryTrtInfo() {
  // Thread-safe, once: a throw (TensorRT unusable, which the loader has decided once already) initializes nothing.
  static const TrtInfo info = ComputeTrtInfo();
  return info;
}

}  // namespace dofa
