'use strict';
// The one deterministic generator of test inputs: test/helpers.ts and the stand-in suite's scenarios (plain JS,
// run from dist/ in child processes) both take it from here, so their inputs are the same numbers.

/** Deterministic pseudo-random floats in [-1, 1) (xorshift32). */
function seededFloats(count, seed) {
  const out = new Float32Array(count);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

module.exports = { seededFloats };
