// The `dynamic-ofa` command line, run as a user runs it (over dist/, which npm test builds first).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { int8Family, tinyFamily } from '../helpers';

const cliPath = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 120000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dynamic-ofa CLI', () => {
  it.each(['info', 'demo', 'bench', 'bench:scenario', 'build-engines', 'profile'])('%s --help describes its options', (command) => {
    const { status, stdout } = cli([command, '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: dynamic-ofa ${command}`);
    expect(stdout).toContain('--family <dir');
    expect(stdout).toContain('--json [path]');
  });

  it('info --json: version, backends and the family table', () => {
    const { status, stdout } = cli(['info', '--family', tinyFamily, '--json']);
    expect(status).toBe(0);
    const info = JSON.parse(stdout);
    expect(info.devices).toEqual(['cpu']);
    expect(info.backends.map((b: { name: string }) => b.name)).toEqual(['onnxruntime-cpu', 'tensorrt']);
    expect(info.family.levels.map((l: { id: string }) => l.id)).toEqual(['s0', 's1', 's2', 's3']);
    for (const level of info.family.levels) expect(level.cpuLatencyMs).toBeGreaterThan(0);
  });

  it('info shows each level\'s precision (fp32 unless family.json says int8)', () => {
    const json = JSON.parse(cli(['info', '--family', int8Family, '--no-measure', '--json']).stdout);
    expect(json.family.levels.map((l: { precision: string }) => l.precision)).toEqual(['fp32', 'int8']);
    expect(JSON.parse(cli(['info', '--family', tinyFamily, '--no-measure', '--json']).stdout).family.levels.map((l: { precision: string }) => l.precision)).toEqual(['fp32', 'fp32', 'fp32', 'fp32']);
    const { status, stdout } = cli(['info', '--family', int8Family, '--no-measure']);
    expect(status).toBe(0);
    expect(stdout).toMatch(/precision/);
    expect(stdout).toMatch(/\bs1\s+int8\b/);
  });

  it('info shows the latency profiles measured here, per device', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-info-'));
    for (const f of fs.readdirSync(tinyFamily, { withFileTypes: true })) if (f.isFile()) fs.copyFileSync(path.join(tinyFamily, f.name), path.join(dir, f.name));
    expect(cli(['build-engines', '--family', dir, '--device', 'cpu', '--runs', '10', '--warmup-ms', '0']).status).toBe(0);
    const info = JSON.parse(cli(['info', '--family', dir, '--no-measure', '--json']).stdout);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, '.engine-cache', 'profile-cpu.json'), 'utf8'));
    expect(info.family.levels.map((l: { profiledLatencyMs: { cpu: number } }) => l.profiledLatencyMs.cpu)).toEqual(
      profile.subnets.map((s: { hostMs: { p50: number } }) => s.hostMs.p50),
    );
  });

  it('bench --json prints every figure the benchmark promises', () => {
    // The tiny family with MACs in its manifest, so the GFLOP/s column has something to compute.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-bench-'));
    for (const f of fs.readdirSync(tinyFamily, { withFileTypes: true })) if (f.isFile()) fs.copyFileSync(path.join(tinyFamily, f.name), path.join(dir, f.name));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'family.json'), 'utf8'));
    manifest.subnets.forEach((s: { macs?: number }, i: number) => (s.macs = 100000 * (i + 1)));
    fs.writeFileSync(path.join(dir, 'family.json'), JSON.stringify(manifest));
    const { status, stdout } = cli(['bench', '--family', dir, '--runs', '20', '--threads', '1', '--json']);
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.subnets).toHaveLength(4);
    for (const row of result.subnets) {
      for (const key of ['oursNative', 'oursEndToEnd', 'theirsEndToEnd']) expect(row[key].p50).toBeGreaterThan(0);
      expect(row.ratio).toBeCloseTo(row.oursNative.p50 / row.theirsEndToEnd.p50, 6);
      expect(row.endToEndRatio).toBeCloseTo(row.oursEndToEnd.p50 / row.theirsEndToEnd.p50, 6);
      expect(row.switchCost).toBeCloseTo(row.switchP50 / row.oursNative.p50, 6);
      expect(row.switchOverOtherWork).toBeCloseTo(row.switchP50 / row.afterOtherWorkP50, 6);
      expect(row.inline).toBe('caller'); // the tiny family's sub-networks are far under the default inlineBelowMs
    }
    result.subnets.forEach((row: { gflops: number; oursNative: { p50: number } }, i: number) => {
      expect(row.gflops).toBeCloseTo((2 * manifest.subnets[i].macs) / (row.oursNative.p50 * 1e6), 6);
    });
    expect(result.useMicros).toBeGreaterThan(0);
    expect(Object.keys(result.targets)).toEqual([
      'ratioAllAtMost1', 'ratioSmallestAtMost09', 'endToEndRatioAllAtMost1', 'switchCostAtMost105', 'switchOverOtherWorkAtMost105', 'useUnder10us', 'decisionUnder5us', 'loopDelayP99Under1ms',
      'residentAtMost15xModelFiles', 'p50WithinThreePercentOfSessionDefaults', 'sharedWeightsP50WithinThreePercentOfOwnWeights', 'warmSharedLoadNoSlowerThanOwnWeights',
    ]);
    // shared weights against own weights: resident memory, p50 interleaved, load times cold and warm
    expect(result.memory.resident.map((r: { settings: string }) => r.settings)).toEqual(['shared weights', 'shared arena', 'onnxruntime defaults']);
    expect(result.memory.resident[0].heldWeightMiB).toBeGreaterThan(0);
    expect(result.memory.resident[0].heldWeightMiB).toBeLessThanOrEqual(result.memory.resident[0].weightMiB);
    expect(result.memory.weightSharing).toMatchObject({ enabled: true });
    for (const row of result.sessionDefaults) expect(row.sharedOverPlain).toBeCloseTo(row.oursP50 / row.plainWeightsP50, 6);
    for (const key of ['sharedCold', 'sharedWarm', 'plain', 'plainAgain']) expect(result.loadTimes[key]).toBeGreaterThan(0);
    // Memory: the model files, the resident growth measured in fresh processes, each level's heap, the load time, and
    // each level's p50 against ONNX Runtime's defaults.
    const memory = result.memory;
    const fileMiB = manifest.subnets.reduce((sum: number, s: { model: string }) => sum + fs.statSync(path.join(dir, s.model)).size, 0) / 2 ** 20;
    expect(memory.modelFilesMiB).toBeCloseTo(fileMiB, 9);
    for (const r of memory.resident) {
      expect(r.firstLoadMiB).toBeGreaterThan(0);
      expect(r.loadMs).toBeGreaterThan(0);
    }
    expect(memory.residentOverModelFiles).toBeCloseTo(memory.resident[0].firstLoadMiB / fileMiB, 9);
    expect(memory.subnets.map((s: { id: string; modelFileMiB: number }) => [s.id, s.modelFileMiB]))
      .toEqual(manifest.subnets.map((s: { id: string; model: string }) => [s.id, fs.statSync(path.join(dir, s.model)).size / 2 ** 20]));
    expect(memory.subnets.every((s: { loadHeapMiB: number }) => s.loadHeapMiB > 0)).toBe(true); // each session holds at least its graph
    expect(memory.loadTime.totalMs).toBeGreaterThan(0);
    expect(memory.loadTime.engineBuildMs).toBe(0);
    expect(result.sessionDefaults.map((r: { id: string }) => r.id)).toEqual(result.subnets.map((r: { id: string }) => r.id));
    for (const r of result.sessionDefaults) expect(r.ratio).toBeCloseTo(r.oursP50 / r.defaultsP50, 9);
    expect(result.decisionCost.map((d: { policy: string; signals: boolean }) => [d.policy, d.signals])).toEqual([['predictive', false], ['predictive', true], ['stepwise', false]]);
  });

  it('bench measures each level with a sibling at the other precision against it (int8OverFp32)', () => {
    const { status, stdout } = cli(['bench', '--family', int8Family, '--runs', '10', '--threads', '1', '--json']);
    expect(status).toBe(0);
    const rows = JSON.parse(stdout).subnets as { id: string; precision: string; precisionPairP50Ms: { fp32: number; int8: number } | null; int8OverFp32: number | null }[];
    expect(rows.map((r) => [r.id, r.precision])).toEqual([['s0', 'fp32'], ['s1', 'int8']]);
    expect(rows[0]!.int8OverFp32).toBeNull();
    const pair = rows[1]!.precisionPairP50Ms!;
    expect(pair.fp32).toBeGreaterThan(0);
    expect(pair.int8).toBeGreaterThan(0);
    expect(rows[1]!.int8OverFp32).toBeCloseTo(pair.int8 / pair.fp32, 6);
  });

  it('demo runs under the runtime manager and writes its chart', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-demo-'));
    const { status, stdout } = cli(['demo', '--family', tinyFamily, '--seconds', '3', '--burners', '1', '--out', out]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/summary: \d+ frames in 3 s/);
    expect(stdout).toMatch(/deadline met on [\d.]+% of frames/);
    const svg = fs.readFileSync(path.join(out, 'demo.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'demo.json'), 'utf8'));
    expect(json.frames.length).toBeGreaterThan(10);
    expect(json.phases.map((p: { name: string }) => p.name)).toEqual(['idle (before)', 'contended', 'idle (after)', 'tighter target']);
    // the last quarter runs against the application's tighter target, the rest against the first one
    expect(json.start.tighterTargetMs).toBeCloseTo(json.start.targetMs / 2, 9);
    const frames = json.frames as { phase: string; targetMs: number }[];
    expect(frames.at(-1)!.phase).toBe('tighter target');
    for (const f of frames) expect(f.targetMs).toBe(f.phase === 'tighter target' ? json.start.tighterTargetMs : json.start.targetMs);
    // step-ups are warmed by default; the summary says how many and how their first frames ran
    expect(json.prewarm).toBe('on');
    expect(stdout).toMatch(/step-ups \(prewarm on\): warmed /);
    const { warmed, cold } = json.stepUps as Record<'warmed' | 'cold', { count: number }>;
    expect(Number.isInteger(warmed.count) && Number.isInteger(cold.count)).toBe(true);
    // the contention signals sampled before each frame (the model's sensor), and their panel in the chart
    // (sampled rarely on this tiny family: the work budget; a first sample has no interval, its load NaN: null in JSON)
    const sampled = (json.frames as { signals: { load: number | null } | null }[]).filter((f) => f.signals !== null);
    if (fs.existsSync('/proc/stat')) {
      expect(sampled.length).toBeGreaterThan(0);
      const loads = sampled.map((f) => f.signals!.load).filter((v): v is number => v !== null);
      for (const load of loads) expect(load >= 0 && load <= 1).toBe(true);
      expect(svg).toContain('text-anchor="middle">signals</text>');
      if (loads.length > 0) expect(svg).toContain('class="signal" data-signal="load"');
    }
  });

  it('demo --prewarm off warms nothing; an unknown mode is refused with the choices', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-demo-'));
    const off = cli(['demo', '--family', tinyFamily, '--seconds', '2', '--burners', '1', '--prewarm', 'off', '--out', out]);
    expect(off.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'demo.json'), 'utf8'));
    expect(json.prewarm).toBe('off');
    expect(json.stepUps.warmed.count).toBe(0);
    const bad = cli(['demo', '--family', tinyFamily, '--prewarm', 'sometimes', '--out', out]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--prewarm.*sometimes.*on, off, alternate/s);
  });

  it('bench:scenario runs every policy on one schedule and writes JSON and the chart', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-scenario-'));
    const { status, stdout } = cli(['bench:scenario', '--family', tinyFamily, '--frames', '90', '--burners', '1', '--out', out]);
    expect(status).toBe(0);
    for (const policy of ['static-most-accurate', 'static-fastest', 'stepwise', 'predictive', 'oracle']) expect(stdout).toMatch(new RegExp(`^${policy}\\s`, 'm'));
    const report = JSON.parse(fs.readFileSync(path.join(out, 'tiny-family', 'scenario.json'), 'utf8'));
    expect(report.contention).toEqual({ start: 30, end: 60 });
    expect(Object.keys(report.records)).toEqual(['static-most-accurate', 'static-fastest', 'stepwise', 'predictive', 'oracle']);
    for (const records of Object.values(report.records) as { frame: number }[][]) expect(records).toHaveLength(90);
    // The static policies never switch and run what they say.
    const byPolicy = Object.fromEntries(report.summaries.map((s: { policy: string }) => [s.policy, s]));
    expect(byPolicy['static-fastest'].switches).toBe(0);
    expect(byPolicy['static-fastest'].meanAccuracy).toBe(60);
    expect(byPolicy['static-most-accurate'].meanAccuracy).toBe(75);
    const topContended = (report.records['static-most-accurate'] as { met: boolean }[]).slice(30, 60);
    expect(report.topMetUnderContention).toBeCloseTo(topContended.filter((r) => r.met).length / 30, 12);
    expect(stdout).toMatch(/under contention the most accurate level met the target on [\d.]+% of frames/);
    expect(fs.readFileSync(path.join(out, 'tiny-family', 'scenario.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('bench:scenario --schedule bursty plays seeded bursts for every policy and predictive without sensing, with onset misses', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-scenario-'));
    const { status, stdout } = cli(['bench:scenario', '--family', tinyFamily, '--schedule', 'bursty', '--frames', '300', '--period', '3', '--burners', '2', '--seed', '3', '--out', out]);
    expect(status).toBe(0);
    const runs = ['static-most-accurate', 'static-fastest', 'stepwise', 'predictive', 'predictive-no-sensing'];
    for (const run of [...runs, 'oracle']) expect(stdout).toMatch(new RegExp(`^${run}\\s`, 'm'));
    expect(stdout).toMatch(/per-burst onset misses/);
    expect(stdout).toMatch(/sampling \(.*\): \d+ samples, \d+ skipped for cost, (?:[\d.]+ us each|none taken); [\d.]+ us per frame = [\d.]+% of the mean frame latency/);
    expect(stdout).toMatch(/targets.*sensingNoMissAfterFirstFrame=(met|MISSED)/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'tiny-family', 'scenario.json'), 'utf8'));
    expect(report.contention).toBeUndefined();
    expect(Object.keys(report.records)).toEqual([...runs, 'oracle']);
    const b = report.bursty;
    expect(b.seed).toBe(3);
    expect(b.periodMs).toBeGreaterThanOrEqual(3);
    expect(b.planned.length).toBeGreaterThan(0);
    for (const p of b.planned) expect([1, 2]).toContain(p.processes);
    expect(Object.keys(b.onset)).toEqual(runs);
    for (const run of runs) {
      const o = b.onset[run];
      expect(o.bursts).toBeGreaterThan(0);
      expect(o.bursts).toBeLessThanOrEqual(b.planned.length);
      expect(o.firstFrameMissesInGap).toBeLessThanOrEqual(o.burstsBeganInGap);
    }
    // the onset misses are those of the recorded frames: no more first-frame misses than missed frames
    const missed = (report.records['predictive'] as { met: boolean }[]).filter((r) => !r.met).length;
    const o = b.onset['predictive'];
    expect(o.firstFrameMissesInGap + o.firstFrameMissesDuringFrame + o.laterMisses).toBeLessThanOrEqual(missed);
    // later misses a level could have met: at most the later misses
    expect(o.laterMissesOracleMet).toBeLessThanOrEqual(o.laterMisses);
    // the paired replay on the sensing run's own records reproduces that run (same decisions, same deadlines)
    const live = report.summaries.find((x: { policy: string }) => x.policy === 'predictive');
    expect(b.replayed.sensing.deadlineMetRate).toBe(live.deadlineMetRate);
    expect(b.replayed.sensing.switches).toBe(live.switches);
    expect(b.replayed.without.onset.bursts).toBe(o.bursts);
    // Asked before every frame; how many were taken is the cost budget's call (none where /proc reads are slow).
    if (fs.existsSync('/proc/stat')) expect(b.sampling.taken + b.sampling.skipped).toBe((report.records['predictive'] as object[]).length);
    // without sensing, no frame carries signals
    expect((report.records['predictive-no-sensing'] as object[]).some((r) => 'signals' in r)).toBe(false);
    expect((report.records['predictive'] as object[]).some((r) => 'signals' in r)).toBe(fs.existsSync('/proc/stat'));
    // the chart has the predictive run's signals in a panel of their own
    // (when the cost budget let a sample be taken in that run: the records then carry one, and the summary counts it)
    const sampledFrames = (report.records['predictive'] as { signals?: object | null }[]).filter((r) => r.signals).length;
    expect(sampledFrames).toBe(b.sampling.taken);
    expect(fs.readFileSync(path.join(out, 'tiny-family', 'scenario.svg'), 'utf8').includes('text-anchor="middle">signals</text>')).toBe(sampledFrames > 0);
    const bad = cli(['bench:scenario', '--family', tinyFamily, '--schedule', 'sometimes', '--out', out]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--schedule.*sometimes.*step, bursty/s);
  });

  it('errors name the problem, give a hint, and exit non-zero', () => {
    const missing = cli(['info', '--family', '/nonexistent/family']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('error [E_FAMILY_INVALID]');
    expect(missing.stderr).toContain('/nonexistent/family/family.json');
    expect(missing.stderr).toMatch(/^hint: /m);
    const bad = cli(['bench', '--runs', 'many']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--runs must be a positive number; got 'many'");
    const unknown = cli(['benhc']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Did you mean bench\?/);
  });
});
