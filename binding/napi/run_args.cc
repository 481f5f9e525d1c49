#include "napi/run_args.h"

#include "napi/js_args.h"
#include "napi/js_errors.h"

namespace dofa {
namespace {

enum RunArg { kSubnet, kFloats, kImage, kWidth, kHeight, kFormat, kStride };

// Only conversion: lib/model/input-checks.ts has checked the image; Model::CheckRequest asserts that its bytes cover it.
Image ParseImage(const Args& args) {
  Napi::Value data = args.At(kImage);
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    args.Invalid("image", "a Uint8Array or null");
  }
  Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
  Image image;
  image.data = bytes.Data();
  image.byteLength = bytes.ByteLength();
  image.width = static_cast<int>(args.Integer(kWidth, "width", 1, kMaxInt));
  image.height = static_cast<int>(args.Integer(kHeight, "height", 1, kMaxInt));
  if (!ParsePixelFormat(args.String(kFormat, "format"), &image.format)) args.Invalid("format", "a pixel format");
  image.stride = static_cast<size_t>(args.Integer(kStride, "stride", 1, kMaxSafeInteger));
  return image;
}

}  // namespace

RunRequest ParseRunRequest(const Napi::CallbackInfo& info) {
  const Args args(info, "run");
  RunRequest request;
  // Only what the cast needs; the model's range is Model::CheckRequest's.
  request.subnet = static_cast<size_t>(args.Integer(kSubnet, "subnet", 0, kMaxSafeInteger));
  Napi::Value floats = args.At(kFloats);
  if (floats.IsTypedArray() && floats.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    request.hasFloats = true;
    request.floats = floats.As<Napi::Float32Array>().Data();
    request.floatCount = floats.As<Napi::Float32Array>().ElementLength();
  } else if (!args.IsAbsent(kFloats)) {
    args.Invalid("floats", "a Float32Array or null");
  }
  if (!args.IsAbsent(kImage)) {
    if (request.hasFloats) ThrowContractJs(info.Env(), "run: floats and an image at once");
    request.image = ParseImage(args);
    request.hasImage = true;
  }
  return request;
}

}  // namespace dofa
