#!/usr/bin/env node
'use strict';
// Prints the memcheck reports (errors, definite/indirect leaks) of a valgrind log that come from our code: those
// whose innermost frame outside valgrind, glibc, libstdc++ and the dynamic loader is in dynamic_ofa.node (or, given
// `ours`, in a file it matches: the stand-in's libraries). Reports from deeper inside libonnxruntime or glibc only
// pass through it and are not printed.
const fs = require('node:fs');

const KINDS = /== (Invalid|Conditional jump|Use of uninitialised|Source and destination|Mismatched|Syscall param|[\d,]+ (\([\d,]+ direct, [\d,]+ indirect\) )?bytes in [\d,]+ blocks are (definitely|indirectly) lost)/;
const SYSTEM = /vgpreload|\/libc\.so|\/ld-linux|libstdc\+\+|\((dl-|dl[a-z]*\.c|strcmp|strdup|rtld|pthread_|libc-)/;

function addonReports(text, ours = /dynamic_ofa\.node/) {
  return text.split(/\n==\d+== \n/).filter((block) => {
    if (!KINDS.test(block)) return false;
    const frames = block.split('\n').filter((line) => /(at|by) 0x[0-9A-F]+:/.test(line));
    const innermost = frames.find((line) => !SYSTEM.test(line));
    return innermost !== undefined && ours.test(innermost);
  });
}

module.exports = { addonReports };

if (require.main === module) {
  const reports = addonReports(fs.readFileSync(process.argv[2], 'utf8'), process.argv[3] ? new RegExp(process.argv[3]) : undefined);
  for (const report of reports) console.log(`${report}\n`);
  process.exit(reports.length === 0 ? 0 : 1);
}
