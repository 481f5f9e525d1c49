/**
 * The rooms of lib/ (its top folders; errors.ts is a room of its own) import each other without circles, so each
 * can be read knowing only the rooms below it; and the runtime (what lib/index.ts reaches) never reaches the lab,
 * the CLI or the service parts behind their own subpath exports (gstreamer, metrics). Every import counts, type-only ones too: a reader follows both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const lib = path.join(__dirname, '..', '..', 'lib');
const ENTRY_POINTS = ['index.ts', 'lab.ts', 'gstreamer.ts', 'metrics.ts'];
/** Rooms the runtime must not reach: each is an entry point of its own (or the CLI). */
const OUTSIDE_RUNTIME = ['lab', 'cli', 'gstreamer', 'metrics'];

/** The lib files (relative to lib/) that each lib file imports. */
function importGraph(): Map<string, string[]> {
  const files = (fs.readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imported = ts.preProcessFile(fs.readFileSync(path.join(lib, file), 'utf8'), true, true).importedFiles.map((i) => i.fileName);
    const targets = imported
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
      .map((target) => (files.includes(`${target}.ts`) ? `${target}.ts` : `${target}/index.ts`));
    graph.set(file, targets);
  }
  return graph;
}

/** The room of a lib file: its top folder, or its own name for a file directly in lib/. */
export function roomOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, '');
}

/** Each circle of rooms, as the rooms in order and the first file import that closes each step. */
export function roomCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const edges = new Map<string, Map<string, string>>(); // room -> room -> an import that makes the edge
  for (const [file, targets] of graph) {
    if (ENTRY_POINTS.includes(file)) continue;
    for (const target of targets) {
      const [from, to] = [roomOf(file), roomOf(target)];
      if (from === to) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${file} -> ${target}`);
    }
  }
  const circles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (room: string): void => {
    state.set(room, 'open');
    stack.push(room);
    for (const next of edges.get(room)?.keys() ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        circles.push(loop.map((r, i) => `${r} -> ${loop[i + 1] ?? next} (${edges.get(r)!.get(loop[i + 1] ?? next)})`));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(room, 'done');
  };
  for (const room of [...edges.keys()].sort()) if (!state.has(room)) visit(room);
  return circles;
}

/** Every file `entry` reaches through imports. */
function reachable(graph: ReadonlyMap<string, readonly string[]>, entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const target of graph.get(file) ?? []) walk(target);
  };
  walk(entry);
  return seen;
}

describe('the rooms of lib/', () => {
  const graph = importGraph();

  it('finds a circle when there is one (the check can fail)', () => {
    const circular = new Map([
      ['a/x.ts', ['b/y.ts']],
      ['b/y.ts', ['c/z.ts']],
      ['c/z.ts', ['a/w.ts']],
      ['a/w.ts', []],
      ['d/v.ts', ['a/x.ts']],
    ]);
    expect(roomCircles(circular)).toEqual([['a -> b (a/x.ts -> b/y.ts)', 'b -> c (b/y.ts -> c/z.ts)', 'c -> a (c/z.ts -> a/w.ts)']]);
    expect(roomCircles(new Map([['a/x.ts', ['b/y.ts']], ['b/y.ts', ['errors.ts']], ['errors.ts', []]]))).toEqual([]);
  });

  it('import each other without circles', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(roomCircles(graph)).toEqual([]);
  });

  it('the runtime reaches neither the lab, the CLI, nor the gstreamer and metrics subpaths', () => {
    const runtime = [...reachable(graph, 'index.ts')];
    expect(runtime.length).toBeGreaterThan(30);
    expect(runtime.filter((f) => OUTSIDE_RUNTIME.includes(roomOf(f)) || (ENTRY_POINTS.includes(f) && f !== 'index.ts'))).toEqual([]);
    for (const room of OUTSIDE_RUNTIME) expect([...graph.keys()].some((f) => roomOf(f) === room)).toBe(true); // the rooms named exist
  });
});
