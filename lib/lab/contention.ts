/**
 * CPU contention for the scenario benchmark and the demo: busy child processes, standing in for another
 * application. They are started ahead (`ready()`) and then switched on and off through their stdin, so that
 * contention begins as a step, not with the CPU burst of starting Node processes. Each burns in 2 ms slices
 * and exits when its stdin closes (this process ended, however it ended) or after a safety timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';

const BURNER = `
let on = false;
function burn() {
  if (!on) return;
  const until = Date.now() + 2;
  while (Date.now() < until) Math.sqrt(until);
  setImmediate(burn);
}
process.stdin.on('data', (data) => {
  const was = on;
  on = data.toString().endsWith('1');
  if (on && !was) setImmediate(burn);
});
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), Number(process.argv[1])).unref();
process.stdout.write('r');`;

/**
 * Busy processes by default: one per core plus one. With a one-thread inference loop that keeps every core
 * shared, so the slowdown is steady. One per core leaves one more runnable thread than cores, and the scheduler
 * then moves the inference thread between a core of its own and a shared one every few frames (fast and slow
 * spells), which `--burners` can ask for.
 */
export function defaultBurners(): number {
  return os.availableParallelism() + 1;
}

export class Contention {
  #children: ChildProcess[] = [];
  #ready: Promise<void> | null = null;
  #on = false;
  readonly #onExit = (): void => this.dispose();

  /** @param processes busy processes while contention is on */
  constructor(
    readonly processes: number,
    readonly safetyMs = 10 * 60 * 1000,
  ) {
    process.once('exit', this.#onExit);
  }

  get active(): boolean {
    return this.#on;
  }

  /** Process ids of the busy processes started so far. */
  get pids(): number[] {
    return this.#children.map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Starts the processes, idle; resolves when every one is running. */
  ready(): Promise<void> {
    this.#ready ??= Promise.all(
      Array.from({ length: this.processes }, () => {
        const child = spawn(process.execPath, ['-e', BURNER, String(this.safetyMs)], { stdio: ['pipe', 'pipe', 'ignore'] });
        child.stdin!.on('error', () => {}); // a child that died: nothing to tell it
        this.#children.push(child);
        return new Promise<void>((resolve) => {
          child.stdout!.once('data', () => resolve());
          child.once('exit', () => resolve());
          child.once('error', () => resolve()); // could not start: contention is just weaker, not a crash
        }).then(() => {
          // once running, never what keeps this process alive: the 'exit' hook or their stdin closing ends them
          child.unref();
          (child.stdin as unknown as { unref(): void }).unref();
          (child.stdout as unknown as { unref(): void }).unref();
        });
      }),
    ).then(() => {});
    return this.#ready;
  }

  /** Contention on (starts the processes first if `ready()` was not awaited). */
  start(): void {
    if (this.#on) return;
    void this.ready();
    this.#on = true;
    for (const child of this.#children) child.stdin!.write('1');
  }

  /** Contention off; the processes stay, idle. */
  stop(): void {
    if (!this.#on) return;
    this.#on = false;
    for (const child of this.#children) child.stdin!.write('0');
  }

  dispose(): void {
    this.#on = false;
    for (const child of this.#children) child.kill('SIGKILL');
    this.#children = [];
    this.#ready = null;
    process.removeListener('exit', this.#onExit);
  }
}
