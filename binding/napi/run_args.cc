#include "napi/run_args.h"

#include <cmath>
#include <string>

#include "napi/js_args.h"
#include "napi/js_errors.h"

namespace dofa {
namespace {

void ParseFrame(const Napi::Object& object, Frame* frame) {
  Napi::Env env = object.Env();
  Napi::Value data = object.Get("data");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowJs(env, codes::kInputType, "image `data` must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
  frame->data = bytes.Data();
  frame->byteLength = bytes.ByteLength();
  frame->width = static_cast<int>(GetInteger(object, "width", 0, 1, 1 << 16));
  frame->height = static_cast<int>(GetInteger(object, "height", 0, 1, 1 << 16));
  const std::string format = GetString(object, "format", "");
  if (!ParsePixelFormat(format, &frame->format)) {
    ThrowJs(env, codes::kInputType, "image `format` must be one of gray, rgb, bgr, rgba, bgra; got '" + format + "'");
  }
  const int rowBytes = frame->width * BytesPerPixel(frame->format);
  frame->stride = static_cast<size_t>(GetInteger(object, "stride", rowBytes, 1, 1 << 30));
  const std::string problem = ValidateFrame(*frame);
  if (!problem.empty()) ThrowJs(env, codes::kInputShape, "image: " + problem);
}

}  // namespace

RunRequest ParseRunRequest(const Napi::CallbackInfo& info, const Family& family) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowJs(env, codes::kInvalidArgument, "run(subnet, input?) needs a sub-network index");
  const double index = info[0].As<Napi::Number>().DoubleValue();
  if (!(index >= 0) || std::floor(index) != index || index >= static_cast<double>(family.size())) {
    ThrowJs(env, codes::kSubnetUnknown, "sub-network index " + info[0].ToString().Utf8Value() + " is out of range [0, " +
                                            std::to_string(family.size()) + ")");
  }
  RunRequest request;
  request.subnet = static_cast<size_t>(index);
  const size_t expected = family.inputOf(request.subnet).ElementCount();
  Napi::Value input = info.Length() > 1 ? info[1] : env.Undefined();
  if (input.IsTypedArray()) {
    Napi::TypedArray typed = input.As<Napi::TypedArray>();
    if (typed.TypedArrayType() != napi_float32_array) {
      ThrowJs(env, codes::kInputType, "input must be a Float32Array or an image {data, width, height, format}");
    }
    if (typed.ElementLength() != expected) {
      ThrowJs(env, codes::kInputShape, "input has " + std::to_string(typed.ElementLength()) + " floats; sub-network " +
                                           std::to_string(request.subnet) + " expects " + std::to_string(expected));
    }
    request.floats = input.As<Napi::Float32Array>().Data();
    request.floatCount = expected;
  } else if (input.IsObject() && !input.IsArray() && !input.IsFunction()) {
    ParseFrame(input.As<Napi::Object>(), &request.frame);
    request.hasFrame = true;
  } else if (!input.IsUndefined() && !input.IsNull()) {
    ThrowJs(env, codes::kInputType, "input must be a Float32Array, an image {data, width, height, format}, or omitted");
  }
  return request;
}

}  // namespace dofa
