/**
 * A model's run thread: one slot (lib/ queues runs, so posting while it is taken breaks the binding contract), and
 * stopping with a run still waiting (shutdown(), env teardown) settles that run as closed instead of dropping it,
 * which would leave its promise pending and its model busy forever.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { SHARED_INPUT } from '../../lib/native/addon';
import { tempDir } from '../engines/helpers';
import { loadTiny } from './native-load';

const root = path.join(__dirname, '..', '..');

describe('RunThread', () => {
  it('holds one task: a second while it waits is refused; stopping abandons the waiting one after the running one (C++)', () => {
    const program = path.join(tempDir('run-thread'), 'run_thread_main');
    execFileSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', `-I${path.join(root, 'binding')}`, '-o', program,
      path.join(__dirname, 'run-thread', 'run_thread_main.cc'), path.join(root, 'binding', 'core', 'run_thread.cc'), '-pthread']);
    expect(execFileSync(program, { encoding: 'utf8' })).toBe(
      'refused 3: E_INTERNAL binding contract: a run posted while another waits for the run thread\nran 1\nabandoned 2\n');
  }, 60000);
});

describe('shutdown() with a run queued (the addon)', () => {
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

  it('settles the run (it ran, or it rejects E_CLOSED unrun) and frees the model for close()', async () => {
    const outcomes = new Set<string>();
    // The run thread may or may not take the run before shutdown() stops it: both orders must settle.
    for (let i = 0; i < 40; i++) {
      const model = await loadTiny(['s0', 's1'], { warmupRuns: 0 });
      const run = model.run(i % 2, ...SHARED_INPUT);
      model.shutdown();
      const outcome = await settled(run);
      outcomes.add(outcome);
      expect(['resolved', 'rejected E_CLOSED']).toContain(outcome);
      expect(() => model.close()).not.toThrow();
    }
    console.log(`shutdown with a queued run: ${[...outcomes].join(', ')}`);
  });
});
