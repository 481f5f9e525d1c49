import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { getBinding } from '../../lib/native/addon';
import { readProfile, validateProfile } from '../../lib/family/latency-profile';
import { profileNativeModel } from '../../lib/cli/jobs/build-and-profile';
import { tinyFamily } from '../helpers';
import { copyFamily, tempDir } from '../engines/helpers';
import { loadTiny } from '../native/native-load';

const root = path.join(__dirname, '..', '..');
// The CLI runs over dist/ (npm test builds it first).
const cliPath = path.join(root, 'dist', 'cli', 'main.js');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cliPath, 'build-engines', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const hasTensorRt = getBinding().backends().includes('tensorrt');

describe('CPU profiling through the addon', () => {
  it('measures every sub-network of the tiny family (warm-up, then the requested runs)', async () => {
    const model = await loadTiny();
    try {
      const results = await profileNativeModel(model, { runs: 25, warmupMs: 5 });
      expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
      for (const r of results) {
        expect(r.host).toHaveLength(25);
        expect(r.warmupRuns).toBeGreaterThanOrEqual(5);
        expect(r.host.every((ms) => ms > 0 && ms < 1000)).toBe(true);
        expect(r.device).toEqual([]); // no accelerator time on cpu
      }
    } finally {
      model.close();
    }
  });
});

describe('dynamic-ofa build-engines (cpu)', () => {

  it('profiles the family into <family>/.engine-cache/profile-cpu.json and prints a summary table', () => {
    const dir = copyFamily(tinyFamily, 'cli');
    const { status, stdout, stderr } = cli(['--family', dir, '--device', 'cpu', '--runs', '20', '--warmup-ms', '5', '--threads', '1']);
    expect(stderr).toMatch(/family tiny-family \(4 sub-networks\), devices cpu/);
    expect(status).toBe(0);
    expect(stdout).toMatch(/device\s+subnet\s+engine\s+p50 ms\s+p90 ms\s+p99 ms/);
    expect(stdout.split('\n').filter((l) => /^cpu\s+s\d/.test(l))).toHaveLength(4);
    const profile = readProfile(path.join(dir, '.engine-cache', 'profile-cpu.json'));
    expect(validateProfile(profile)).toEqual([]);
    expect(profile).toMatchObject({ family: 'tiny-family', device: 'cpu', backend: { name: 'onnxruntime-cpu' }, method: { runs: 20, threads: 1 } });
    expect(profile.subnets.map((s) => [s.id, s.runs])).toEqual([['s0', 20], ['s1', 20], ['s2', 20], ['s3', 20]]);
    expect(profile.deviceKey).toMatch(/^cpu:.*threads=1$/);
  });

  it('--cache and --json', () => {
    const cache = tempDir('cli-cache');
    const { status, stdout } = cli(['--family', tinyFamily, '--device', 'cpu', '--runs', '10', '--warmup-ms', '0', '--cache', cache, '--json']);
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ cacheDir: cache, cacheSource: 'override', profiles: { cpu: path.join(cache, 'profile-cpu.json') } });
    expect(result.results).toHaveLength(4);
    // the fixture folder gets no profile (its .engine-cache/cpu may hold the optimized models a CPU load of it made)
    expect(fs.existsSync(path.join(tinyFamily, '.engine-cache', 'profile-cpu.json'))).toBe(false);
  });

  it('without TensorRT, gpu/dla say plainly that TensorRT is not in this build (exit 2, nothing written)', () => {
    if (hasTensorRt) return; // a TensorRT build answers differently (see the tensorrt checks on a Jetson)
    const cache = tempDir('cli-gpu');
    for (const devices of ['gpu', 'cpu,dla0', 'dla0,dla1']) {
      const { status, stderr } = cli(['--family', tinyFamily, '--device', devices, '--cache', cache]);
      expect(status).toBe(2);
      expect(stderr).toMatch(/TensorRT is not in this build/);
      expect(stderr).toMatch(/Available: cpu$/m);
    }
    expect(fs.readdirSync(cache)).toEqual([]);
  });

  it('rejects bad arguments with usage errors (exit 2)', () => {
    for (const [args, message] of [
      [['--precision', 'fp8'], /argument 'fp8' is invalid. Allowed choices are fp16, int8, fp32/],
      [['--device', 'tpu'], /unknown device 'tpu'/],
      [['--runs', '0'], /--runs must be a positive number; got '0'/],
      [['--bogus'], /unknown option '--bogus'/],
      [['--family'], /option '--family <dir>' argument missing/],
    ] as const) {
      const { status, stderr } = cli([...args]);
      expect(status).toBe(2);
      expect(stderr).toMatch(message);
    }
    const missing = cli(['--family', path.join(tempDir('nofamily'), 'x'), '--device', 'cpu']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/invalid family manifest/);
  });
});
