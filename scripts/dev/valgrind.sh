#!/usr/bin/env bash
# npm run valgrind: a short load / infer / switch / close workload under valgrind memcheck
# (scripts/dev/valgrind-workload.js), ending once with the event loop run dry and once with process.exit(), a model
# open and an inference in flight each time. Fails on an error or a definite/indirect leak from the addon, and on an
# error from inside ONNX Runtime, at exit too (scripts/dev/valgrind-report.js says what counts and why).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build:ts
failed=0
for how in natural process-exit; do
  log=$(mktemp -t "dofa-valgrind-$how.XXXXXX.log")
  valgrind --leak-check=full --show-leak-kinds=definite,indirect --num-callers=30 --suppressions=scripts/dev/valgrind.supp \
    node --expose-gc scripts/dev/valgrind-workload.js "$how" >"$log" 2>&1 || true
  echo "valgrind ($how exit) log: $log"
  grep -E "ERROR SUMMARY|definitely lost:|indirectly lost:" "$log" | sed 's/^==[0-9]*== /  /'
  if ! reports=$(node scripts/dev/valgrind-report.js "$log"); then
    echo "valgrind ($how exit): reports that count:" >&2
    echo "$reports" >&2
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then exit 1; fi
echo "valgrind: no error and no leak from the addon, no error from ONNX Runtime"
