/** Writing files that readers (another process, a later load) never see half written. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `data` (one buffer or string, or several pieces in order) to a temporary file beside `file`, then
 * renames it over `file`. The folder is created when missing; the temporary file is removed on failure.
 */
export function writeFileAtomically(file: string, data: string | Uint8Array | Iterable<Uint8Array>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      fs.writeFileSync(temporary, data);
    } else {
      const fd = fs.openSync(temporary, 'w');
      try {
        for (const piece of data) fs.writeSync(fd, piece);
      } finally {
        fs.closeSync(fd);
      }
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
