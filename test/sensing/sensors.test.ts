import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acceleratorLoadFile, CpuSensor, sensorFor } from '../../lib/sensing/sensors';
import { parseCgroupV2Path, parsePressureTotal, parseProcStat, parseRunnable, parseSelfStat } from '../../lib/sensing/proc-files';

/** A fake /proc and /sys tree in a temp folder. */
class FakeTree {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'sensing-'));
  write(rel: string, text: string): void {
    const file = path.join(this.root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  /** /proc/stat with `busy` and `idle` ticks over all cores (user holds the busy ticks). */
  stat(busy: number, idle: number): void {
    this.write('proc/stat', `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n`);
  }
  self(ticks: number): void {
    this.write('proc/self/stat', `123 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 ${ticks} 0 0 0 20 0 7 0\n`);
  }
  psi(rel: string, totalUs: number): void {
    this.write(rel, `some avg10=0.00 avg60=0.00 avg300=0.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`);
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

describe('kernel file parsers', () => {
  test('read what the kernel writes, and NaN or null for anything else', () => {
    expect(parseProcStat('cpu  10 2 3 100 5 1 1 4 7 0\ncpu0 1 1 1 1 1 1 1 1\n')).toEqual({ busy: 21, total: 126 });
    expect(parseProcStat('intr 1 2\n')).toBeNull();
    expect(parseProcStat(null)).toBeNull();
    expect(parseSelfStat('9 (a) b) R 1 2 3 4 5 6 7 8 9 10 30 12 0 0')).toBe(42);
    expect(parseSelfStat('garbage')).toBeNaN();
    expect(parsePressureTotal('some avg10=1.00 avg60=0.00 avg300=0.00 total=777\n')).toBe(777);
    expect(parsePressureTotal('full avg10=0 total=1\n')).toBeNaN();
    expect(parseCgroupV2Path('4:memory:/a\n0::/user.slice/x.scope\n')).toBe('/user.slice/x.scope');
    expect(parseCgroupV2Path('4:memory:/a\n')).toBeNull();
    expect(parseRunnable('0.71 1.39 1.54 3/86 10272\n')).toBe(3);
    expect(parseRunnable('0.71 1.39 1.54\n')).toBeNaN();
    expect(parseRunnable(null)).toBeNaN();
  });
});

describe('CpuSensor on a fake tree', () => {
  let tree: FakeTree;
  let clock: number;
  const now = (): number => clock;
  beforeEach(() => {
    tree = new FakeTree();
    clock = 0;
  });
  afterEach(() => tree.dispose());

  test("others' CPU share and PSI over the interval since the last sample; the first sample has none", () => {
    tree.stat(100, 900);
    tree.self(40);
    tree.psi('proc/pressure/cpu', 5_000);
    const sensor = new CpuSensor({ root: tree.root, now, budget: 1 });
    expect(sensor.signals).toEqual(['others-cpu', 'psi']);
    const first = sensor.sample()!;
    expect(first.load).toBeNaN();
    expect(first.pressure).toBeNaN();
    // 40 ms later: 20 ticks of all cores' time passed, 12 busy of which 3 were ours; 8 ms of stall
    clock = 40;
    tree.stat(112, 908);
    tree.self(43);
    tree.psi('proc/pressure/cpu', 13_000);
    const s = sensor.sample()!;
    expect(s.load).toBeCloseTo(9 / 20, 12);
    expect(s.pressure).toBeCloseTo(8 / 40, 12);
    // idle: nothing but our own time
    clock = 80;
    tree.stat(120, 920);
    tree.self(51);
    tree.psi('proc/pressure/cpu', 13_000);
    expect(sensor.sample()).toEqual({ load: 0, pressure: 0, waiting: NaN }); // no /proc/loadavg in this tree
  });

  test('tasks that would wait for a core now: the other runnable tasks plus the inference threads, beyond the cores', () => {
    tree.stat(0, 10);
    tree.self(0);
    tree.write('proc/loadavg', '0.10 0.20 0.30 1/90 4321\n'); // the sampling thread alone
    const sensor = new CpuSensor({ root: tree.root, now, budget: 1, cores: 2, threads: 1 });
    expect(sensor.signals).toEqual(['others-cpu', 'runnable']);
    expect(sensor.sample()!.waiting).toBe(0);
    tree.write('proc/loadavg', '0.10 0.20 0.30 2/90 4321\n'); // one other: a core each
    clock = 10;
    expect(sensor.sample()!.waiting).toBe(0);
    tree.write('proc/loadavg', '0.10 0.20 0.30 4/90 4321\n'); // three others and the inference on two cores
    clock = 20;
    expect(sensor.sample()!.waiting).toBe(2);
    // an inference on both cores: one other task already waits
    const wide = new CpuSensor({ root: tree.root, now, budget: 1, cores: 2, threads: 2 });
    tree.write('proc/loadavg', '0.10 0.20 0.30 2/90 4321\n');
    expect(wide.sample()!.waiting).toBe(1);
    tree.write('proc/loadavg', 'garbled\n'); // unreadable mid-run: no signal
    clock = 30;
    expect(wide.sample()!.waiting).toBeNaN();
    sensor.close();
    wide.close();
  });

  test("the cgroup's own cpu.pressure counts too: the larger of the two", () => {
    tree.stat(0, 10);
    tree.self(0);
    tree.psi('proc/pressure/cpu', 0);
    tree.write('proc/self/cgroup', '0::/app.slice/robot.service\n');
    tree.psi('sys/fs/cgroup/app.slice/robot.service/cpu.pressure', 0);
    const sensor = new CpuSensor({ root: tree.root, now, budget: 1 });
    expect(sensor.signals).toEqual(['others-cpu', 'psi', 'cgroup-psi']);
    sensor.sample();
    clock = 10;
    tree.psi('proc/pressure/cpu', 1_000);
    tree.psi('sys/fs/cgroup/app.slice/robot.service/cpu.pressure', 4_000);
    expect(sensor.sample()!.pressure).toBeCloseTo(0.4, 12);
  });

  test('missing files are missing signals, never errors', () => {
    const sensor = new CpuSensor({ root: tree.root, now });
    expect(sensor.signals).toEqual([]);
    expect(sensor.sample()).toBeNull();
    tree.stat(0, 10);
    tree.self(0);
    const cpuOnly = new CpuSensor({ root: tree.root, now, budget: 1 });
    expect(cpuOnly.signals).toEqual(['others-cpu']);
    cpuOnly.sample();
    clock = 10;
    tree.write('proc/stat', 'no cpu line\n'); // unreadable mid-run
    const s = cpuOnly.sample()!;
    expect(s.load).toBeNaN();
    expect(s.pressure).toBeNaN();
  });

  test('skips a sample that would cost more than its budget of the time since the last one', () => {
    tree.stat(0, 10);
    tree.self(0);
    const ticking = (): number => {
      const t = clock;
      clock += 0.1; // each clock read 0.1 ms later: a sample (two reads) costs 0.1 ms
      return t;
    };
    const sensor = new CpuSensor({ root: tree.root, now: ticking, budget: 0.02 });
    expect(sensor.sample()).not.toBeNull();
    clock += 1; // 1 ms later: 0.1 ms is 10 % of it
    expect(sensor.sample()).toBeNull();
    clock += 5; // 6 ms since the last sample: 0.1 ms is under 2 %
    expect(sensor.sample()).not.toBeNull();
    expect(sensor.taken).toBe(2);
    expect(sensor.skipped).toBe(1);
    expect(sensor.meanCostUs).toBeCloseTo(100, 6);
  });

  test('told the work it accompanies, skips a sample that would cost more than its workBudget of that work', () => {
    tree.stat(0, 10);
    tree.self(0);
    const ticking = (): number => {
      const t = clock;
      clock += 0.1; // a sample costs 0.1 ms
      return t;
    };
    const sensor = new CpuSensor({ root: tree.root, now: ticking, budget: 0.02, workBudget: 0.06 });
    expect(sensor.sample(0.5)).not.toBeNull();
    const taken: boolean[] = [];
    for (let frame = 0; frame < 8; frame++) {
      clock += 10; // paced: the time budget alone would allow every sample
      taken.push(sensor.sample(0.5) !== null); // 0.5 ms frames: 0.1 ms is within 6 % of 4 of them, not of 3
    }
    expect(taken).toEqual([false, false, false, true, false, false, false, true]);
    clock += 10;
    expect(sensor.sample()).not.toBeNull(); // not told: the time budget only
    expect(sensor.skipped).toBe(6);
  });

  test('one preempted sample does not starve sampling, nor does one fast sample overrun it: the lower median of the last few', () => {
    tree.stat(0, 10);
    tree.self(0);
    let cost = 0.1;
    const ticking = (): number => {
      const t = clock;
      clock += cost / 2; // a sample is two clock reads
      return t;
    };
    const sensor = new CpuSensor({ root: tree.root, now: ticking, budget: 0.02 });
    for (let i = 0; i < 3; i++) {
      expect(sensor.sample()).not.toBeNull();
      clock += 10;
    }
    cost = 50; // the scheduler took the core mid-sample
    expect(sensor.sample()).not.toBeNull();
    cost = 0.1;
    clock += 10; // 0.1 ms is 1 % of 10 ms; 50 ms would be 500 %
    expect(sensor.sample()).not.toBeNull();
    expect(sensor.skipped).toBe(0);
    // samples of 0.15 ms (two reads 0.15 ms apart), then one with warm caches (0.005 ms): the next is still
    // expected at 0.15 ms
    cost = 0.3;
    for (let i = 0; i < 4; i++) {
      clock += 20;
      expect(sensor.sample()).not.toBeNull();
    }
    cost = 0.01;
    clock += 20;
    expect(sensor.sample()).not.toBeNull();
    clock += 5; // 0.15 ms is 3 % of 5 ms: over the 2 % budget (the least, 0.005 ms, would be under it)
    expect(sensor.sample()).toBeNull();
  });
});

describe('sensor arguments of the wrong kind', () => {
  it.each([
    ['options null', () => new CpuSensor(null as never), 'sensor options: must be an object or omitted; got null'],
    ['root a number', () => new CpuSensor({ root: 1 as never }), 'sensor options: root must be a folder path; got 1'],
    ['budget 0', () => new CpuSensor({ budget: 0 }), 'sensor options: budget must be a share of time in (0, 1]; got 0'],
    ['workBudget over 1', () => sensorFor('gpu', { workBudget: 2 }), 'sensor options: workBudget must be a share of time in (0, 1]; got 2'],
    ['now not a function', () => new CpuSensor({ now: 5 as never }), 'sensor options: now must be a function returning ms; got 5'],
    ['cores 0', () => new CpuSensor({ cores: 0 }), 'sensor options: cores must be an integer >= 1; got 0'],
    ['an unknown device', () => sensorFor('npu'), 'device must be one of cpu, gpu, dla0, dla1; got "npu"'],
  ])('%s: E_INVALID_ARGUMENT naming it', (_, make, message) => {
    expect(make).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message }));
  });
});

describe('accelerator load files on a fake Jetson sysfs', () => {
  let tree: FakeTree;
  beforeEach(() => {
    tree = new FakeTree();
  });
  afterEach(() => tree.dispose());

  test('gpu.0/load first, else a devfreq GPU; DLA cores by their devfreq name; in per mille', () => {
    expect(acceleratorLoadFile('gpu', tree.root)).toBeNull();
    tree.write('sys/class/devfreq/17000000.ga10b/device/load', '250\n');
    expect(acceleratorLoadFile('gpu', tree.root)).toBe(path.join(tree.root, 'sys/class/devfreq/17000000.ga10b/device/load'));
    tree.write('sys/devices/gpu.0/load', '900\n');
    expect(acceleratorLoadFile('gpu', tree.root)).toBe(path.join(tree.root, 'sys/devices/gpu.0/load'));
    tree.write('sys/class/devfreq/15880000.nvdla0/device/load', '100\n');
    tree.write('sys/class/devfreq/158c0000.nvdla1/device/load', 'x\n');
    expect(acceleratorLoadFile('dla0', tree.root)).toBe(path.join(tree.root, 'sys/class/devfreq/15880000.nvdla0/device/load'));
    expect(acceleratorLoadFile('dla1', tree.root)).toBeNull(); // unreadable figure: no signal
    const gpu = sensorFor('gpu', { root: tree.root, budget: 1 });
    expect(gpu.signals).toEqual(['gpu-load']);
    expect(gpu.sample()).toEqual({ load: 0.9, pressure: NaN });
    tree.write('sys/devices/gpu.0/load', '300\n');
    expect(gpu.sample()!.load).toBeCloseTo(0.3, 12);
    expect(sensorFor('dla1', { root: tree.root }).sample()).toBeNull();
  });
});
