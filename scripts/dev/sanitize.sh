#!/usr/bin/env bash
# npm run test:sanitize
# Builds the addon with AddressSanitizer + UBSan into build-sanitize/ and runs the jest suites against it.
# Node itself is not instrumented, so libasan is preloaded and leak detection is left to valgrind
# (scripts/dev/valgrind.sh): LeakSanitizer would report V8's and Node's own process-lifetime allocations.
set -euo pipefail
cd "$(dirname "$0")/../.."
headers=$(node scripts/build/ort-headers.js)
npx cmake-js compile -O build-sanitize/build --CDDYNAMIC_OFA_SANITIZE=ON ${headers:+--CDONNXRUNTIME_INCLUDE_DIR=$headers}
npm run build:ts
export DYNAMIC_OFA_BINARY=$PWD/build-sanitize/build/Release/dynamic_ofa.node
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
loaded=$(node -e "console.log(require('./dist/native/addon').loadedAddon().file)")
case "$loaded" in *build-sanitize/*) echo "sanitize: testing $loaded" ;; *) echo "sanitize: wrong addon loaded: $loaded" >&2; exit 1 ;; esac
# One worker: a sanitizer report aborts the process and jest names the suite.
npx jest --runInBand "$@"
echo "sanitize: jest passed under AddressSanitizer + UBSan (addon from build-sanitize/)"
