#include "trt/trt_info.h"

#include "core/errors.h"
#include "trt/cuda_buffers.h"
#include "trt/trt_common.h"
#include "trt/trt_entry_points.h"

namespace dofa {

TrtInfo QueryTrtInfo() {
  TrtInfo info;
  info.encoded = trt::LibraryEncoded();
  info.version = trt::DecodeVersion(info.encoded);
  info.compiledVersion = trt::CompiledVersion();
  info.compiledEncoded = trt::CompiledEncoded();
  try {
    info.cuda = QueryCudaDevice();
    info.hasCuda = true;
    trt::Logger logger;
    trt::Ptr<nvinfer1::IRuntime> runtime(trt::CreateRuntime(logger));
    info.dlaCores = runtime ? runtime->getNbDLACores() : 0;
  } catch (const Error& error) {
    info.hasCuda = false;
    info.cudaError = error.what();
    info.dlaCores = 0;
  }
  return info;
}

}  // namespace dofa
