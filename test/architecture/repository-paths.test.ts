/**
 * Every repository path a comment or document names exists: a file moved or renamed must take its mentions along,
 * or a newcomer follows a pointer to nothing. Scans the tracked sources and documents (not vendored headers, build
 * outputs or fixtures) for paths under the repository's top folders.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const NAMED_PATH = /(?<![\w./-])(?:lib|binding|scripts|test|docs|engines|\.ci)\/[\w./-]*[\w-]\.(?:ts|cc|h|js|md|json|py|sh)(?![\w/])/g;
const SCANNED = /\.(?:ts|cc|h|js|md|py|sh)$/;
const NOT_OURS = [/^test\/tensorrt-standin\/tensorrt-10\.3\//, /^test\/fixtures\//, /^scripts\/build\/tensorrt-prebuilt\//, /^docs\/api\//];

function trackedFiles(): string[] {
  const listed = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  return listed.filter((f) => SCANNED.test(f) && !NOT_OURS.some((p) => p.test(f)) && fs.existsSync(path.join(root, f)));
}

describe('repository paths named in comments and documents', () => {
  it('all exist', () => {
    const missing: string[] = [];
    let named = 0;
    for (const file of trackedFiles()) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const match of text.matchAll(NAMED_PATH)) {
        named++;
        if (!fs.existsSync(path.join(root, match[0]))) missing.push(`${file}: ${match[0]}`);
      }
    }
    expect(named).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});
