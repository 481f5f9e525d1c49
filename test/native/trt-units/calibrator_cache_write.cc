// The int8 calibrator's cache write (binding/trt/int8_calibrator.cc), without TensorRT: TensorRT calls
// writeCalibrationCache after calibrating; a cache that cannot be written must leave error() empty (the builder
// fails the build on it) and say why in writeWarning() (the build report's warnings). Prints both, and whether
// it wrote, for a writable and an unwritable path (argv[1], argv[2]).
#include <cstdio>

#include "trt/int8_calibrator.h"

namespace {

void Write(const char* path) {
  dofa::EntropyCalibrator calibrator(path, "", 4, nullptr);
  const char scales[] = "scales";
  calibrator.writeCalibrationCache(scales, sizeof scales);
  std::printf("written=%d error=[%s] warning=[%s]\n", calibrator.written() ? 1 : 0, calibrator.error().c_str(),
              calibrator.writeWarning().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  Write(argv[1]);
  Write(argv[2]);
  return 0;
}
