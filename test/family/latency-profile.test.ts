import * as fs from 'node:fs';
import * as path from 'node:path';

import { DynamicOfaError } from '../../lib/errors';
import { type LatencyProfile, parseProfile, ProfileInvalidError, profileLatencies, profilePath, readProfile, validateProfile, writeProfile } from '../../lib/family/latency-profile';
import { latencyStats } from '../../lib/util/latency-stats';
import { tempDir } from '../engines/helpers';

function sampleProfile(): LatencyProfile {
  return {
    schemaVersion: 1,
    family: 'tiny-family',
    device: 'dla0',
    deviceKey: 'Xavier:sm7.2:dla0:trt8.5.2:fp16',
    backend: { name: 'tensorrt', version: '8.5.2' },
    createdAt: '2025-01-02T03:04:05.000Z',
    host: { hostname: 'nx', platform: 'linux', arch: 'arm64', cpuModel: 'ARMv8', cpus: 6, l4tRelease: 'R35.2.1' },
    method: { warmupMs: 200, minWarmupRuns: 5, runs: 200 },
    subnets: ['s0', 's1'].map((id, index) => ({
      id,
      index,
      runs: 200,
      hostMs: latencyStats([1 + index, 2 + index, 3 + index]),
      deviceMs: latencyStats([0.5 + index, 1 + index]),
      engine: { file: `dla0/${id}.fp16.engine`, fingerprint: 'f'.repeat(64), precision: 'fp16', gpuFallbackLayers: 12 },
    })),
  };
}

describe('profile files', () => {
  it('round-trip through writeProfile/readProfile', () => {
    const file = profilePath(tempDir('profile'), 'dla0');
    expect(path.basename(file)).toBe('profile-dla0.json');
    writeProfile(file, sampleProfile());
    expect(readProfile(file)).toEqual(sampleProfile());
    expect(fs.readdirSync(path.dirname(file))).toEqual(['profile-dla0.json']); // no temporary left
  });

  it('hand the runtime manager latencies in family order', () => {
    const profile = sampleProfile();
    expect(profileLatencies(profile, ['s1', 's0'])).toEqual([3, 2]);
    expect(profileLatencies(profile, ['s0'], 'p99')).toEqual([3]);
    expect(() => profileLatencies(profile, ['s0', 's9'])).toThrow(/no entry for s9/);
  });

  it.each<[string, (p: Record<string, unknown>) => void, string]>([
    ['schema version', (p) => { p.schemaVersion = 2; }, '/schemaVersion'],
    ['device', (p) => { p.device = 'tpu'; }, '/device'],
    ['backend vs device', (p) => { p.device = 'cpu'; }, '/backend/name'],
    ['date', (p) => { p.createdAt = 'yesterday'; }, '/createdAt'],
    ['runs', (p) => { p.method = { warmupMs: 1, minWarmupRuns: 5, runs: 0 }; }, '/method'],
    ['subnets', (p) => { p.subnets = []; }, '/subnets'],
    ['index order', (p) => { (p.subnets as { index: number }[])[1]!.index = 5; }, '/subnets/1/index'],
    ['duplicate ids', (p) => { (p.subnets as { id: string }[])[1]!.id = 's0'; }, '/subnets/1/id'],
    ['negative latency', (p) => { (p.subnets as { hostMs: { p50: number } }[])[0]!.hostMs.p50 = -1; }, '/subnets/0/hostMs/p50'],
    ['unordered percentiles', (p) => { (p.subnets as { hostMs: { p90: number } }[])[0]!.hostMs.p90 = 100; }, '/subnets/0/hostMs'],
    ['engine record', (p) => { (p.subnets as { engine: unknown }[])[0]!.engine = 'x'; }, '/subnets/0/engine'],
  ])('validation finds a bad %s by its JSON path', (_name, damage, where) => {
    const profile = sampleProfile() as unknown as Record<string, unknown>;
    damage(profile);
    const problems = validateProfile(profile);
    expect(problems.map((p) => p.path)).toContain(where);
  });

  it('a valid profile has no problems; invalid files are typed errors naming every problem', () => {
    expect(validateProfile(sampleProfile())).toEqual([]);
    expect(validateProfile(null)).toEqual([{ path: '', message: 'must be a JSON object' }]);
    const file = path.join(tempDir('profile'), 'bad.json');
    fs.writeFileSync(file, '{ not json');
    expect(() => readProfile(file)).toThrow(ProfileInvalidError);
    let error: unknown;
    try {
      parseProfile(JSON.stringify({ ...sampleProfile(), device: 'tpu', family: '' }), 'x.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DynamicOfaError);
    expect((error as ProfileInvalidError).code).toBe('E_FAMILY_INVALID');
    expect((error as ProfileInvalidError).problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/device', '/family']));
    expect(() => writeProfile(path.join(tempDir('profile'), 'p.json'), { ...sampleProfile(), subnets: [] })).toThrow(ProfileInvalidError);
    expect(() => readProfile(path.join(tempDir('profile'), 'missing.json'))).toThrow(/cannot read/);
  });
});
