/**
 * CPU contention for the scenario benchmark and the demo: busy child processes, standing in for another
 * application. They are started ahead (`ready()`) and then switched on and off through their stdin, so that
 * contention begins as a step, not with the CPU burst of starting Node processes. Each burns in 2 ms slices
 * and exits when its stdin closes (this process ended, however it ended) or after a safety timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as os from 'node:os';

import { type Burst, placeBursts } from './bursts';

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
  #busy: ChildProcess[] = [];
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

  /** Contention on: `count` of the processes (default all) busy; starts them first if `ready()` was not awaited. */
  start(count = this.processes): void {
    if (this.#on) return;
    void this.ready();
    this.#on = true;
    this.#busy = this.#children.slice(0, Math.max(0, Math.min(count, this.#children.length)));
    for (const child of this.#busy) child.stdin!.write('1');
  }

  /** Contention off; the processes stay, idle. */
  stop(): void {
    if (!this.#on) return;
    this.#on = false;
    for (const child of this.#busy) child.stdin!.write('0');
    this.#busy = [];
  }

  dispose(): void {
    this.#on = false;
    for (const child of this.#children) child.kill('SIGKILL');
    this.#children = [];
    this.#busy = [];
    this.#ready = null;
    process.removeListener('exit', this.#onExit);
  }
}

/** A burst to play: on and off in ms from the start of the play, and how many busy processes it runs. */
export interface TimedBurst {
  readonly onMs: number;
  readonly offMs: number;
  readonly processes: number;
}

export interface BurstPlay {
  /** When each burst that began was switched on and off (performance.now(); off NaN while still on). */
  readonly played: { on: number; off: number }[];
  /** Clears the timers that have not fired and switches contention off. */
  stop(): void;
}

/**
 * Plays bursts of contention on timers from now, each switched on and off at its own moment, so that a burst can
 * begin during a frame (when the frame runs off the event loop) or in the gap after it. Bursts must not overlap.
 */
export function playBursts(contention: Pick<Contention, 'start' | 'stop'>, bursts: readonly TimedBurst[]): BurstPlay {
  const t0 = performance.now();
  const played: { on: number; off: number }[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (const b of bursts) {
    timers.push(setTimeout(() => {
      contention.start(b.processes);
      played.push({ on: performance.now(), off: Number.NaN });
    }, Math.max(0, t0 + b.onMs - performance.now())));
    timers.push(setTimeout(() => {
      contention.stop();
      const last = played[played.length - 1];
      if (last && Number.isNaN(last.off)) last.off = performance.now();
    }, Math.max(0, t0 + b.offMs - performance.now())));
  }
  return {
    played,
    stop(): void {
      for (const t of timers) clearTimeout(t);
      const last = played[played.length - 1];
      if (last && Number.isNaN(last.off)) last.off = performance.now();
      contention.stop();
    },
  };
}

/**
 * A paced frame loop with bursts played on timers from its first frame: `beforeFrame(t)` waits for frame t's
 * moment (t periods after frame 0) and notes when it starts; `afterFrame(t)` when it ended; `finish()` stops the
 * bursts and says where they fell among the frames (placeBursts).
 */
export class PacedBursts {
  readonly #frameStart: Float64Array;
  readonly #frameEnd: Float64Array;
  #t0 = 0;
  #play: BurstPlay | null = null;

  constructor(
    readonly contention: Pick<Contention, 'start' | 'stop'>,
    readonly bursts: readonly TimedBurst[],
    readonly periodMs: number,
    frames: number,
  ) {
    this.#frameStart = new Float64Array(frames);
    this.#frameEnd = new Float64Array(frames);
  }

  async beforeFrame(t: number): Promise<void> {
    if (t === 0) {
      this.#t0 = performance.now();
      this.#play = playBursts(this.contention, this.bursts);
    }
    const wait = this.#t0 + t * this.periodMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    this.#frameStart[t] = performance.now();
  }

  afterFrame(t: number): void {
    this.#frameEnd[t] = performance.now();
  }

  finish(): Pick<Burst, 'firstFrame' | 'end' | 'beganInGap'>[] {
    this.#play?.stop();
    return placeBursts(this.#play?.played ?? [], this.#frameStart, this.#frameEnd);
  }
}
