// Sub-network latencies come from this machine's latency profile when one fits, else from the warm-up at load.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadFamily } from '../../lib';
import { type LatencyProfile, PROFILE_SCHEMA_VERSION, profilePath, writeProfile } from '../../lib/family/latency-profile';
import { cpuModel } from '../../lib/util/host';
import { latencyStats } from '../../lib/util/latency-stats';
import { copyFamily } from '../engines/helpers';
import { tinyFamily } from '../helpers';

function familyWithProfile(edit: (p: LatencyProfile) => void = () => {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-profile-'));
  for (const name of fs.readdirSync(tinyFamily)) {
    if (name.endsWith('.onnx') || name === 'family.json') fs.copyFileSync(path.join(tinyFamily, name), path.join(dir, name));
  }
  const cpus = os.cpus();
  const profile: LatencyProfile = {
    schemaVersion: PROFILE_SCHEMA_VERSION,
    family: 'tiny-family',
    device: 'cpu',
    deviceKey: 'cpu:test:threads=2',
    backend: { name: 'onnxruntime-cpu', version: 'test' },
    createdAt: new Date().toISOString(),
    host: { hostname: os.hostname(), platform: process.platform, arch: process.arch, cpuModel: cpuModel(), cpus: cpus.length },
    method: { warmupMs: 0, minWarmupRuns: 5, runs: 3, threads: 2 },
    subnets: ['s0', 's1', 's2', 's3'].map((id, index) => ({ id, index, runs: 3, hostMs: latencyStats([(index + 1) * 100, (index + 1) * 100, (index + 1) * 100]) })),
  };
  edit(profile);
  writeProfile(profilePath(path.join(dir, '.engine-cache'), 'cpu'), profile);
  return dir;
}

describe('latency profiles', () => {
  it('uses the profile measured here with the same thread count', async () => {
    const model = await loadFamily(familyWithProfile(), { threads: 2, warmupRuns: 1 });
    expect(model.subnets.map((s) => [s.latencySource, s.latencyMs])).toEqual([['profile', 100], ['profile', 200], ['profile', 300], ['profile', 400]]);
    await model.close();
  });

  it.each([
    ['another thread count', (p: LatencyProfile) => { p.method.threads = 1; }],
    ['another CPU', (p: LatencyProfile) => { p.host.cpuModel = 'Some Other CPU'; }],
    ['another family', (p: LatencyProfile) => { p.family = 'other'; }],
    ['missing sub-networks', (p: LatencyProfile) => { p.subnets = p.subnets.slice(0, 2); }],
  ])('falls back to the warm-up latencies for a profile of %s', async (_, edit) => {
    const model = await loadFamily(familyWithProfile(edit), { threads: 2, warmupRuns: 9 });
    for (const s of model.subnets) {
      expect(s.latencySource).toBe('warmup');
      expect(s.latencyMs).toBeGreaterThan(0);
      expect(s.latencyMs).toBeLessThan(100); // measured (sub-millisecond fixtures), not the profile's 100..400 ms
    }
    await model.close();
  });

  it('loading on the CPU without shared weights creates no cache folder in the family; with them, only the optimized models', async () => {
    const family = copyFamily(tinyFamily, 'cpu-cache');
    const plain = await loadFamily(family, { threads: 2, warmupRuns: 1, shareWeights: false });
    await plain.close();
    expect(fs.existsSync(path.join(family, '.engine-cache'))).toBe(false);
    const shared = await loadFamily(family, { threads: 2, warmupRuns: 1 });
    await shared.close();
    expect(fs.readdirSync(path.join(family, '.engine-cache'))).toEqual(['cpu']);
    const hosts = fs.readdirSync(path.join(family, '.engine-cache', 'cpu'));
    expect(hosts).toHaveLength(1); // this host's folder (lib/engines/optimized-onnx.ts)
    expect(fs.readdirSync(path.join(family, '.engine-cache', 'cpu', hosts[0]!)).every((name) => /^s\d\.([0-9a-f]+\.onnx|json)$/.test(name))).toBe(true);
  });
});
