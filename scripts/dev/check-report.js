'use strict';
// ok/FAIL lines and the closing "N passed, N failed" line of the platform and registry test scripts.
function checkReport(title) {
  let passed = 0;
  let failed = 0;
  return {
    check(name, ok, detail = '') {
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? `\n     ${detail}` : ''}`);
      return ok;
    },
    /** Prints the closing line; returns the exit code. */
    finish() {
      console.log(`${title}: ${passed} passed, ${failed} failed`);
      return failed === 0 && passed > 0 ? 0 : 1;
    },
  };
}

module.exports = { checkReport };
