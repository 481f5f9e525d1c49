/**
 * A family's run thread stopping with inferences queued (shutdown(), env teardown): each queued run settles as
 * closed instead of being dropped, which would leave its promise pending and its family busy forever.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { getBinding, type NativeFamily } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import { tempDir } from '../engines/helpers';
import { tinyFamily } from '../helpers';

const root = path.join(__dirname, '..', '..');

describe('RunThread', () => {
  it('abandons the tasks still queued when it stops, after the running one finishes (C++)', () => {
    const program = path.join(tempDir('run-thread'), 'run_thread_main');
    execFileSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', `-I${path.join(root, 'binding')}`, '-o', program,
      path.join(__dirname, 'run-thread', 'run_thread_main.cc'), path.join(root, 'binding', 'core', 'run_thread.cc'), '-pthread']);
    expect(execFileSync(program, { encoding: 'utf8' })).toBe('ran 1\nabandoned 2\nabandoned 3\n');
  }, 60000);
});

describe('shutdown() with a run queued (the addon)', () => {
  const tinyModels = ['s0', 's1'].map((s) => path.join(tinyFamily, `${s}.onnx`));
  const load = (): Promise<NativeFamily> => getBinding().loadFamily({
    models: tinyModels, backend: 'onnxruntime-cpu', dlaCore: -1, ortLibrary: resolveOrtLibrary(), threads: 1, warmupRuns: 0,
    channels: 3, format: 'rgb', mean: [0, 0, 0], std: [1, 1, 1],
  });
  const settled = async (promise: Promise<unknown>): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const pending = new Promise<string>((resolve) => { timer = setTimeout(() => resolve('pending'), 2000); });
    const outcome = promise.then(() => 'resolved', (error: { code?: string }) => `rejected ${error.code}`);
    try {
      return await Promise.race([outcome, pending]);
    } finally {
      clearTimeout(timer);
    }
  };

  it('settles the run (it ran, or it rejects E_CLOSED unrun) and frees the family for close()', async () => {
    const outcomes = new Set<string>();
    // The run thread may or may not take the run before shutdown() stops it: both orders must settle.
    for (let i = 0; i < 40; i++) {
      const family = await load();
      const run = family.run(i % 2);
      family.shutdown();
      const outcome = await settled(run);
      outcomes.add(outcome);
      expect(['resolved', 'rejected E_CLOSED']).toContain(outcome);
      expect(() => family.close()).not.toThrow();
    }
    console.log(`shutdown with a queued run: ${[...outcomes].join(', ')}`);
  });
});
