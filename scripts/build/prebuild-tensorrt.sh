#!/usr/bin/env bash
# Run ON a Jetson (JetPack 5.1.x = TensorRT 8.5, JetPack 6.x = TensorRT 10): builds the TensorRT-enabled addon
# and files it as prebuilds/linux-arm64-tensorrt<major>/, beside the CPU prebuild (npm run prebuild). The released
# TensorRT binaries are cross-built instead (scripts/build/tensorrt-prebuilt.js); this builds one from a Jetson's
# own headers.
# At run time lib/native/binary-selection.ts loads such a build only after a child process has loaded it and found the
# TensorRT backend, so a package holding both runs anywhere. Not run on the machines this project is
# developed on (no Jetson there).
set -euo pipefail
cd "$(dirname "$0")/../.."
header=$(ls /usr/include/aarch64-linux-gnu/NvInferVersion.h "${TENSORRT_ROOT:-/nonexistent}/include/NvInferVersion.h" 2>/dev/null | head -n 1)
[ -n "$header" ] || { echo "prebuild-tensorrt: NvInferVersion.h not found; set TENSORRT_ROOT" >&2; exit 1; }
# Through the preprocessor: from TensorRT 10.11 on NV_TENSORRT_MAJOR is defined through another macro.
major=$(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR\n' | g++ -E -P -x c++ -I"$(dirname "$header")" - | tail -n 1 | tr -d ' ')
arch=$(node -p process.arch)
DYNAMIC_OFA_CMAKE_OPTION_DYNAMIC_OFA_TENSORRT=ON npx prebuildify --napi --strip --tag-libc --node-gyp scripts/build/prebuild-cmake.js
mkdir -p "prebuilds/linux-${arch}-tensorrt${major}"
mv "prebuilds/linux-${arch}/"*.node "prebuilds/linux-${arch}-tensorrt${major}/"
echo "TensorRT ${major} build: prebuilds/linux-${arch}-tensorrt${major}/ (run npm run prebuild again for the CPU build)"
