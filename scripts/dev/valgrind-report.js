#!/usr/bin/env node
'use strict';
// Prints the memcheck reports of a valgrind log that count against us:
// - from our code: errors and definite/indirect leaks whose innermost frame outside valgrind, glibc, libstdc++ and
//   the dynamic loader is in dynamic_ofa.node (or, given `ours`, in a file it matches: the stand-in's libraries);
// - from ONNX Runtime: errors (an invalid read, an overlapping copy, ...) whose innermost such frame is in
//   libonnxruntime, at exit too: its threads reading what the exit handlers freed was such a report. Its leaks
//   are its own one-time allocations: listed by valgrind, not counted here (the soak counts growth).
const fs = require('node:fs');

const KINDS = /== (Invalid|Conditional jump|Use of uninitialised|Source and destination|Mismatched|Syscall param|[\d,]+ (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are (definitely|indirectly) lost)/;
const SYSTEM = /vgpreload|\/libc\.so|\/ld-linux|libstdc\+\+|\((dl-|dl[a-z]*\.c|strcmp|strdup|rtld|pthread_|libc-)/;

const ERRORS = /== (Invalid|Conditional jump|Use of uninitialised|Source and destination|Mismatched|Syscall param)/;

function reportsFrom(text, where, kinds) {
  return text.split(/\n==\d+== \n/).filter((block) => {
    if (!kinds.test(block)) return false;
    const frames = block.split('\n').filter((line) => /(at|by) 0x[0-9A-F]+:/.test(line));
    const innermost = frames.find((line) => !SYSTEM.test(line));
    return innermost !== undefined && where.test(innermost);
  });
}

const addonReports = (text, ours = /dynamic_ofa\.node/) => reportsFrom(text, ours, KINDS);
const runtimeErrorReports = (text, runtime = /libonnxruntime\.so/) => reportsFrom(text, runtime, ERRORS);

module.exports = { addonReports, runtimeErrorReports };

if (require.main === module) {
  const text = fs.readFileSync(process.argv[2], 'utf8');
  const reports = [...addonReports(text, process.argv[3] ? new RegExp(process.argv[3]) : undefined), ...runtimeErrorReports(text)];
  for (const report of reports) console.log(`${report}\n`);
  process.exit(reports.length === 0 ? 0 : 1);
}
