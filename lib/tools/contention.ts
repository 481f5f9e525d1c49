/**
 * CPU contention for the scenario benchmark and the demo: busy-loop child processes, standing in for another
 * application. They exit by themselves if this process dies, or after a safety timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const BURNER = `
const parent = process.ppid;
const stopAt = Date.now() + Number(process.argv[1]);
for (;;) {
  for (let i = 0; i < 1e6; i++) Math.sqrt(i);
  if (Date.now() > stopAt || process.ppid !== parent) process.exit(0);
}`;

export class Contention {
  #children: ChildProcess[] = [];
  readonly #onExit = (): void => this.stop();

  /** @param processes busy processes while contention is on */
  constructor(
    readonly processes: number,
    readonly safetyMs = 10 * 60 * 1000,
  ) {
    process.once('exit', this.#onExit);
  }

  get active(): boolean {
    return this.#children.length > 0;
  }

  start(): void {
    if (this.active) return;
    for (let i = 0; i < this.processes; i++) {
      this.#children.push(spawn(process.execPath, ['-e', BURNER, String(this.safetyMs)], { stdio: 'ignore' }));
    }
  }

  stop(): void {
    for (const child of this.#children) child.kill('SIGKILL');
    this.#children = [];
  }

  dispose(): void {
    this.stop();
    process.removeListener('exit', this.#onExit);
  }
}
