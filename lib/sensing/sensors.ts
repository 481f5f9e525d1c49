/**
 * Contention sensors: cheap samples of a device's contention signals, taken by the runtime manager before each
 * decision through the model (ManagedModel.contention). CPU: other processes' CPU time (/proc/stat less
 * /proc/self/stat), Linux pressure-stall information (/proc/pressure/cpu and this process's cgroup v2
 * cpu.pressure, the larger) and the tasks runnable at the moment of the sample (/proc/loadavg); GPU and DLA on a
 * Jetson: the driver's load files in sysfs. Every file is optional:
 * a missing one is a signal the sample reports as NaN. A sensor bounds its own cost: it skips a sample (returns
 * null) when sampling now would take more than `budget` of the time since its last sample, or, told the work it
 * accompanies (the inference time since the last sample), more than `workBudget` of that.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertKnownDevice } from '../devices/devices';
import { InvalidArgumentError } from '../errors';
import type { ContentionSample } from '../manager/types';
import { describeValue, isObject } from '../util/describe-value';
import { OpenFile, parseCgroupV2Path, parsePerMille, parsePressureTotal, parseProcStat, parseRunnable, parseSelfStat, readText } from './proc-files';

export interface SensorOptions {
  /** Folder the kernel files are read under (tests pass a fake tree). Default '/'. */
  readonly root?: string;
  /** Largest share of the time between samples spent sampling; a sample that would cost more is skipped. Default 0.02. */
  readonly budget?: number;
  /**
   * Largest share of the work a sample accompanies (the inference time since the last sample, passed to sample())
   * spent sampling, so that a sub-millisecond family is sampled every few frames. Default 0.03.
   */
  readonly workBudget?: number;
  /** Clock, ms (tests pass a fake one). Default performance.now. */
  readonly now?: () => number;
  /** CPU: threads the inference runs on (what `waiting` adds to the other runnable tasks). Default 1. */
  readonly threads?: number;
  /** CPU: cores this process may run on. Default os.availableParallelism(). */
  readonly cores?: number;
}

export interface ContentionSensor {
  /** The signals found on this machine ('others-cpu', 'psi', 'cgroup-psi', 'runnable', 'gpu-load', 'dla-load'). */
  readonly signals: readonly string[];
  /**
   * Signals since the previous sample (the first one has no interval: NaN), or null when skipped for cost.
   * `workMs`: the work done since the previous call (e.g. the last inference's latency), for `workBudget`.
   */
  sample(workMs?: number): ContentionSample | null;
  /** Mean cost of a sample taken so far, µs (NaN before the first). */
  readonly meanCostUs: number;
  /** Samples taken and skipped so far. */
  readonly taken: number;
  readonly skipped: number;
  /** Closes the files it keeps open. */
  close(): void;
}

const RECENT_COSTS = 4;

/** The lower median (of 4: the second least): one preempted sample does not count, nor does one lucky fast one. */
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1] ?? Infinity;
}

/** A sensor's options, checked where every sensor is made: the wrong kind of value is the caller's mistake. */
function checkSensorOptions(options: unknown): void {
  const bad = (message: string): never => {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `sensor options: ${message}`);
  };
  if (!isObject(options)) bad(`must be an object or omitted; got ${describeValue(options)}`);
  const o = options as SensorOptions;
  if (o.root !== undefined && (typeof o.root !== 'string' || o.root === '')) bad(`root must be a folder path; got ${describeValue(o.root)}`);
  for (const name of ['budget', 'workBudget'] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= 1)) bad(`${name} must be a share of time in (0, 1]; got ${describeValue(v)}`);
  }
  if (o.now !== undefined && typeof o.now !== 'function') bad(`now must be a function returning ms; got ${describeValue(o.now)}`);
  for (const name of ['threads', 'cores'] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1)) bad(`${name} must be an integer >= 1; got ${describeValue(v)}`);
  }
}

/** Shared by the sensors: the cost budget and its bookkeeping. */
abstract class BudgetedSensor implements ContentionSensor {
  abstract readonly signals: readonly string[];
  protected readonly now: () => number;
  private readonly budget: number;
  private readonly workBudget: number;
  private workMs = 0;
  private lastAt = -Infinity;
  // The last few samples' costs: the expected cost is their lower median, so one sample the scheduler preempted (a
  // loaded machine) does not starve sampling for as long as its cost would have to be paid back, and one that ran
  // with warm caches does not let the next ones overrun the budget.
  private readonly recentCostsMs: number[] = [];
  private costMs = 0;
  taken = 0;
  skipped = 0;

  constructor(options: SensorOptions) {
    checkSensorOptions(options);
    this.now = options.now ?? (() => performance.now());
    this.budget = options.budget ?? 0.02;
    this.workBudget = options.workBudget ?? 0.03;
  }

  get meanCostUs(): number {
    return this.taken ? (this.costMs / this.taken) * 1000 : NaN;
  }

  sample(workMs?: number): ContentionSample | null {
    if (this.signals.length === 0) return null;
    const told = workMs !== undefined && workMs >= 0;
    if (told) this.workMs += workMs;
    const t0 = this.now();
    const expectedCostMs = lowerMedian(this.recentCostsMs);
    if (this.taken > 0 && (expectedCostMs > this.budget * (t0 - this.lastAt) || (told && expectedCostMs > this.workBudget * this.workMs))) {
      this.skipped++;
      return null;
    }
    this.workMs = 0;
    const s = this.read(t0);
    const t1 = this.now();
    const costMs = t1 - t0;
    this.recentCostsMs.push(costMs);
    if (this.recentCostsMs.length > RECENT_COSTS) this.recentCostsMs.shift();
    this.costMs += costMs;
    this.taken++;
    this.lastAt = t0;
    return s;
  }

  protected abstract read(at: number): ContentionSample;
  abstract close(): void;
}

/**
 * Others' CPU time and CPU pressure since the previous sample, and the tasks that would wait for a core now. The
 * first two are averages over the interval, counted in 10 ms ticks (one tick of a kernel thread reads as a share
 * of a 30 ms interval) or stalls that a virtual machine's host also causes; the runnable count is exact and
 * instantaneous: it sees a contender that started a moment before the sample.
 */
export class CpuSensor extends BudgetedSensor {
  readonly signals: readonly string[];
  private readonly statFile: OpenFile;
  private readonly selfFile: OpenFile;
  private readonly loadavgFile: OpenFile | null;
  private readonly psiFiles: readonly OpenFile[];
  private readonly threads: number;
  private readonly cores: number;
  private lastTicks: { busy: number; total: number; own: number } | null = null;
  private lastPsi: number[];
  private lastPsiAt = NaN;

  constructor(options: SensorOptions = {}) {
    super(options);
    const root = options.root ?? '/';
    this.statFile = new OpenFile(path.join(root, 'proc/stat'), 512);
    this.selfFile = new OpenFile(path.join(root, 'proc/self/stat'));
    const signals: string[] = [];
    if (parseProcStat(this.statFile.read()) && Number.isFinite(parseSelfStat(this.selfFile.read()))) signals.push('others-cpu');
    const psi: string[] = [];
    const system = path.join(root, 'proc/pressure/cpu');
    if (Number.isFinite(parsePressureTotal(readText(system)))) {
      psi.push(system);
      signals.push('psi');
    }
    const cgroup = parseCgroupV2Path(readText(path.join(root, 'proc/self/cgroup')));
    if (cgroup !== null && cgroup !== '/') {
      const file = path.join(root, 'sys/fs/cgroup', cgroup, 'cpu.pressure');
      if (Number.isFinite(parsePressureTotal(readText(file)))) {
        psi.push(file);
        signals.push('cgroup-psi');
      }
    }
    this.psiFiles = psi.map((f) => new OpenFile(f, 256));
    this.lastPsi = psi.map(() => NaN);
    const loadavg = new OpenFile(path.join(root, 'proc/loadavg'), 64);
    this.loadavgFile = Number.isFinite(parseRunnable(loadavg.read())) ? loadavg : null;
    if (this.loadavgFile) signals.push('runnable');
    else loadavg.close();
    this.threads = options.threads ?? 1;
    this.cores = options.cores ?? os.availableParallelism();
    this.signals = signals;
  }

  protected read(at: number): ContentionSample {
    let load = NaN;
    if (this.signals[0] === 'others-cpu') {
      const ticks = parseProcStat(this.statFile.read());
      const own = parseSelfStat(this.selfFile.read());
      if (ticks && Number.isFinite(own)) {
        const last = this.lastTicks;
        const dt = last ? ticks.total - last.total : 0;
        if (last && dt > 0) load = Math.min(1, Math.max(0, (ticks.busy - last.busy - (own - last.own)) / dt));
        // less than a tick elapsed: keep the old reference, so the next sample covers both intervals
        if (!last || dt > 0) this.lastTicks = { busy: ticks.busy, total: ticks.total, own };
      }
    }
    let pressure = NaN;
    const elapsedUs = (at - this.lastPsiAt) * 1000;
    for (let i = 0; i < this.psiFiles.length; i++) {
      const total = parsePressureTotal(this.psiFiles[i]!.read());
      const share = (total - this.lastPsi[i]!) / elapsedUs;
      if (Number.isFinite(share) && !(share <= pressure)) pressure = Math.min(1, Math.max(0, share));
      this.lastPsi[i] = total;
    }
    this.lastPsiAt = at;
    // the reading thread is the one runnable task of ours now (between frames)
    const others = this.loadavgFile ? parseRunnable(this.loadavgFile.read()) - 1 : NaN;
    const waiting = Number.isFinite(others) ? Math.max(0, others + this.threads - this.cores) : NaN;
    return { load, pressure, waiting };
  }

  close(): void {
    this.statFile.close();
    this.selfFile.close();
    this.loadavgFile?.close();
    for (const f of this.psiFiles) f.close();
  }
}

/** An accelerator's load from a sysfs file in per mille (Jetson: gpu.0/load), as the driver averages it. */
export class LoadFileSensor extends BudgetedSensor {
  readonly signals: readonly string[];
  private readonly open: OpenFile | null;

  constructor(
    readonly file: string | null,
    signal: string,
    options: SensorOptions = {},
  ) {
    super(options);
    this.open = file === null ? null : new OpenFile(file, 64);
    this.signals = this.open !== null && Number.isFinite(parsePerMille(this.open.read())) ? [signal] : [];
  }

  protected read(): ContentionSample {
    return { load: parsePerMille(this.open!.read()), pressure: NaN };
  }

  close(): void {
    this.open?.close();
  }
}

/** Folders of /sys/class/devfreq whose name matches, in name order. */
function devfreqLoads(root: string, match: RegExp): string[] {
  const dir = path.join(root, 'sys/class/devfreq');
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => match.test(n)).map((n) => path.join(dir, n, 'device/load'));
}

/**
 * The sysfs load file of a Jetson GPU or DLA core, or null: the GPU's gpu.0/load (what tegrastats reads), else a
 * devfreq device named after the GPU (ga10b, gv11b, gp10b, gpu) or the DLA core (nvdla0, nvdla1) with a load file.
 * These paths are not verified on a Jetson (none here); docs/api-guide.md says so.
 */
export function acceleratorLoadFile(device: string, root = '/'): string | null {
  const dla = /^dla(\d)$/.exec(device);
  const found = device === 'gpu'
    ? [path.join(root, 'sys/devices/gpu.0/load'), path.join(root, 'sys/devices/platform/gpu.0/load'), ...devfreqLoads(root, /(ga10b|gv11b|gp10b|gpu)$/)]
    : dla ? devfreqLoads(root, new RegExp(`nvdla${dla[1]}$`)) : [];
  return found.find((f) => Number.isFinite(parsePerMille(readText(f)))) ?? null;
}

/** The sensor of a device ('cpu', 'gpu', 'dla0', 'dla1'); a device with no signal here gets one that samples null. */
export function sensorFor(device: string, options: SensorOptions = {}): ContentionSensor {
  assertKnownDevice(device);
  if (device === 'cpu') return new CpuSensor(options);
  return new LoadFileSensor(acceleratorLoadFile(device, options.root), device === 'gpu' ? 'gpu-load' : 'dla-load', options);
}
