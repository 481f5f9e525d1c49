#!/usr/bin/env bash
# npm run valgrind: a short load / infer / switch / close workload under valgrind memcheck.
# Fails when an error or a definite/indirect leak comes from the addon (dynamic_ofa.node).
# Reports inside libonnxruntime (one-time allocations at thread start), V8's conservative stack scan and
# glibc's dynamic loader are not ours and are listed but not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=${1:-$(mktemp -t dofa-valgrind.XXXXXX.log)}
npm run --silent build:ts
valgrind --leak-check=full --show-leak-kinds=definite,indirect --num-callers=30 --suppressions=scripts/dev/valgrind.supp \
  node --expose-gc -e '
const { loadFamily } = require("./dist");
(async () => {
  for (let c = 0; c < 6; c++) {
    const m = await loadFamily("test/fixtures/tiny-family", { warmupRuns: 1, copyBuffers: c % 2 === 1 });
    for (let i = 0; i < 20; i++) {
      m.use(i % 4);
      await m.infer({ data: new Uint8Array(30 * 20 * 3), width: 30, height: 20, format: "rgb" });
      m.inferSync(new Float32Array(m.input.length));
      try { m.inferSync(new Float32Array(3)); } catch {}
    }
    await m.close();
  }
  global.gc();
})();' >"$log" 2>&1 || true
ours=$(node scripts/dev/valgrind-report.js "$log" || true)
summary=$(grep -E "ERROR SUMMARY|definitely lost:|indirectly lost:" "$log" | sed 's/^==[0-9]*== //')
echo "valgrind log: $log"
echo "$summary"
if [ -n "$ours" ]; then
  echo "valgrind: reports from the addon:" >&2
  echo "$ours" >&2
  exit 1
fi
echo "valgrind: no error and no leak from the addon"
