// Conversions between the stand-in's int64 shapes and TensorRT's Dims (int32 dims in TensorRT 8, int64 in 10).
#pragma once

#include <NvInfer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dofa_standin {

inline nvinfer1::Dims ToDims(const std::vector<int64_t>& shape) {
  nvinfer1::Dims dims{};
  dims.nbDims = static_cast<int32_t>(shape.size() > nvinfer1::Dims::MAX_DIMS ? nvinfer1::Dims::MAX_DIMS : shape.size());
  for (int32_t i = 0; i < dims.nbDims; ++i) dims.d[i] = static_cast<decltype(dims.d[0] + 0)>(shape[static_cast<size_t>(i)]);
  return dims;
}

// Bytes of one element of a TensorRT DataType (stored as its int32 value in the plan).
inline size_t DataTypeBytes(int32_t type) {
  switch (static_cast<nvinfer1::DataType>(type)) {
    case nvinfer1::DataType::kHALF: return 2;
    case nvinfer1::DataType::kINT8: case nvinfer1::DataType::kUINT8: case nvinfer1::DataType::kBOOL: return 1;
#if NV_TENSORRT_MAJOR >= 10
    case nvinfer1::DataType::kINT64: return 8;
#endif
    default: return 4;
  }
}

// An invalid Dims (nbDims -1), what TensorRT returns for an unknown tensor.
inline nvinfer1::Dims InvalidDims() {
  nvinfer1::Dims dims{};
  dims.nbDims = -1;
  return dims;
}

inline bool FromDims(const nvinfer1::Dims& dims, std::vector<int64_t>* shape) {
  if (dims.nbDims < 0 || dims.nbDims > nvinfer1::Dims::MAX_DIMS) return false;
  shape->assign(dims.d, dims.d + dims.nbDims);
  return true;
}

inline std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace dofa_standin
