/**
 * The cache of optimized models for shared weights (lib/engines/optimized-onnx.ts): when a cached file is used, and
 * when it is made again, decided without ONNX Runtime (a fake optimizer that copies the file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  decideOptimized, ensureOptimizedModels, type ModelOptimizer, OPTIMIZED_FORMAT, optimizedFolder, type OptimizedRecord, optimizedModelPath, optimizedRecordPath,
} from '../../lib/engines/optimized-onnx';
import { loadManifest } from '../../lib/family/manifest';
import { tinyFamily } from '../helpers';
import { copyFamily, tempDir } from './helpers';

const host = { ortVersion: '1.30.0', cpuModel: 'AMD EPYC (family 25 model 17)', cpuIsa: ['avx2', 'fma', 'avx512f'] };
const record = (changes: Partial<OptimizedRecord> = {}): OptimizedRecord => ({
  format: OPTIMIZED_FORMAT, subnet: 's0', ...host, cpuIsa: [...host.cpuIsa],
  onnx: { bytes: 100, mtimeMs: 5, sha256: 'a'.repeat(64) }, optimized: { bytes: 200, contentHash: '0123456789abcdef' }, ...changes,
});
const now = { onnx: { bytes: 100, mtimeMs: 5 }, host, optimizedBytes: 200 };

describe('decideOptimized', () => {
  it('uses a file whose record matches the ONNX file, this ONNX Runtime and this CPU', () => {
    expect(decideOptimized(record(), now)).toEqual({ action: 'use' });
  });

  it.each<[string, unknown, Partial<typeof now>, RegExp]>([
    ['no record', undefined, {}, /not made yet/],
    ['an unreadable record', null, {}, /unreadable/],
    ['a record of another format', { ...record(), format: OPTIMIZED_FORMAT + 1 }, {}, /another format/],
    ['another ONNX Runtime', record({ ortVersion: '1.29.0' }), {}, /ONNX Runtime 1\.29\.0, running 1\.30\.0/],
    ['another CPU model', record({ cpuModel: 'Intel Xeon' }), {}, /another CPU/],
    ['other CPU features', record({ cpuIsa: ['avx2', 'fma'] }), {}, /another CPU/],
    ['no optimized file', record(), { optimizedBytes: undefined }, /missing/],
    ['an optimized file of another size', record(), { optimizedBytes: 199 }, /199 bytes, 200 were written/],
  ])('makes it again for %s', (_name, given, change, reason) => {
    const decision = decideOptimized(given, { ...now, ...change });
    expect(decision).toEqual({ action: 'make', reason: expect.stringMatching(reason) });
  });

  it('hashes the ONNX file again when its size or modification time changed', () => {
    expect(decideOptimized(record(), { ...now, onnx: { bytes: 100, mtimeMs: 6 } })).toEqual({ action: 'hash-onnx' });
    expect(decideOptimized(record(), { ...now, onnx: { bytes: 101, mtimeMs: 5 } })).toEqual({ action: 'hash-onnx' });
  });
});

describe('ensureOptimizedModels (a fake optimizer)', () => {
  const made: string[] = [];
  const optimize: ModelOptimizer = async (onnx, output) => {
    made.push(path.basename(onnx));
    fs.copyFileSync(onnx, output);
    return { bytes: fs.statSync(output).size, contentHash: `hash-of-${path.basename(onnx)}` };
  };
  const setUp = (): { family: ReturnType<typeof loadManifest>; cacheDir: string } => {
    made.length = 0;
    const dir = copyFamily(tinyFamily, 'optimized');
    return { family: loadManifest(dir), cacheDir: path.join(tempDir('optimized-cache'), 'cache') };
  };

  it('makes each model once, records it, then finds it', async () => {
    const { family, cacheDir } = setUp();
    const first = await ensureOptimizedModels({ family, cacheDir, host, optimize });
    expect(first.map((m) => m.action)).toEqual(['made', 'made', 'made', 'made']);
    expect(first.map((m) => m.reason)).toEqual(Array(4).fill('not made yet'));
    expect(made).toEqual(['s0.onnx', 's1.onnx', 's2.onnx', 's3.onnx']);
    const saved = JSON.parse(fs.readFileSync(optimizedRecordPath(cacheDir, host, 's0'), 'utf8')) as OptimizedRecord;
    expect(saved).toMatchObject({ format: OPTIMIZED_FORMAT, subnet: 's0', ...host, optimized: { contentHash: 'hash-of-s0.onnx' } });
    expect(saved.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readdirSync(optimizedFolder(cacheDir, host)).filter((f) => f.includes('.tmp-'))).toEqual([]);

    made.length = 0;
    const second = await ensureOptimizedModels({ family, cacheDir, host, optimize });
    expect(second.map((m) => m.action)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(second[2]).toEqual({ subnet: 's2', path: optimizedModelPath(cacheDir, host, 's2', 'hash-of-s2.onnx'), contentHash: 'hash-of-s2.onnx', action: 'cached' });
    expect(made).toEqual([]);
  });

  it('makes one again when its ONNX file changed; a file only touched is hashed, found unchanged and kept', async () => {
    const { family, cacheDir } = setUp();
    await ensureOptimizedModels({ family, cacheDir, host, optimize });
    const [s0, s1] = [family.modelPaths[0]!, family.modelPaths[1]!];
    fs.utimesSync(s1, new Date(), new Date(Date.now() + 5000)); // touched: same bytes
    fs.writeFileSync(s0, Buffer.concat([fs.readFileSync(s0), Buffer.from([0])])); // changed
    made.length = 0;
    const again = await ensureOptimizedModels({ family, cacheDir, host, optimize });
    expect(again.map((m) => m.action)).toEqual(['made', 'cached', 'cached', 'cached']);
    expect(again[0]!.reason).toBe('the ONNX file changed');
    expect(made).toEqual(['s0.onnx']);
    // the touched file's record now has its new time: the next load does not hash it again
    const s1Record = JSON.parse(fs.readFileSync(optimizedRecordPath(cacheDir, host, 's1'), 'utf8')) as OptimizedRecord;
    expect(s1Record.onnx.mtimeMs).toBe(fs.statSync(s1).mtimeMs);
  });

  it('makes them again for another ONNX Runtime, a damaged file, or when forced', async () => {
    const { family, cacheDir } = setUp();
    await ensureOptimizedModels({ family, cacheDir, host, optimize });
    fs.appendFileSync(optimizedModelPath(cacheDir, host, 's3', 'hash-of-s3.onnx'), 'x');
    const damaged = await ensureOptimizedModels({ family, cacheDir, host, optimize });
    expect(damaged.map((m) => m.action)).toEqual(['cached', 'cached', 'cached', 'made']);
    // Another ONNX Runtime (or CPU) has a folder of its own: both stay usable, neither makes the other's again.
    const newer = await ensureOptimizedModels({ family, cacheDir, host: { ...host, ortVersion: '1.31.0' }, optimize });
    expect(newer.map((m) => m.reason)).toEqual(Array(4).fill('not made yet'));
    expect(optimizedFolder(cacheDir, { ...host, ortVersion: '1.31.0' })).not.toBe(optimizedFolder(cacheDir, host));
    expect((await ensureOptimizedModels({ family, cacheDir, host, optimize })).map((m) => m.action)).toEqual(Array(4).fill('cached'));
    // a record of another ONNX Runtime found in this host's folder is stale all the same
    const s0Record = optimizedRecordPath(cacheDir, host, 's0');
    fs.writeFileSync(s0Record, JSON.stringify({ ...JSON.parse(fs.readFileSync(s0Record, 'utf8')), ortVersion: '1.29.0' }));
    expect((await ensureOptimizedModels({ family, cacheDir, host, optimize }))[0]!.reason).toBe('made with ONNX Runtime 1.29.0, running 1.30.0');
    const forced = await ensureOptimizedModels({ family, cacheDir, host: { ...host, ortVersion: '1.31.0' }, optimize, force: true });
    expect(forced.map((m) => m.action)).toEqual(['made', 'made', 'made', 'made']);
  });

  it('a failing optimizer leaves no file behind and its error reaches the caller', async () => {
    const { family, cacheDir } = setUp();
    const failing: ModelOptimizer = async (_onnx, output) => {
      fs.writeFileSync(output, 'half');
      throw new Error('ONNX Runtime refused');
    };
    await expect(ensureOptimizedModels({ family, cacheDir, host, optimize: failing })).rejects.toThrow('ONNX Runtime refused');
    expect(fs.readdirSync(optimizedFolder(cacheDir, host))).toEqual([]);
  });

  it('two processes making the same model at once: the record always names a file that exists and is its own', async () => {
    // ONNX Runtime writes different bytes for one model each time: the two makers' files differ.
    const { family, cacheDir } = setUp();
    let round = 0;
    const gates: (() => void)[] = [];
    const slow: ModelOptimizer = async (onnx, output) => {
      const mine = ++round;
      await new Promise<void>((resolve) => gates.push(resolve));
      fs.writeFileSync(output, `${path.basename(onnx)} made by maker ${mine}`);
      return { bytes: fs.statSync(output).size, contentHash: `maker-${mine}` };
    };
    const one = { ...family, modelPaths: family.modelPaths.slice(0, 1), manifest: { ...family.manifest, subnets: family.manifest.subnets.slice(0, 1) } };
    const a = ensureOptimizedModels({ family: one, cacheDir, host, optimize: slow });
    const b = ensureOptimizedModels({ family: one, cacheDir, host, optimize: slow });
    while (gates.length < 2) await new Promise((resolve) => setImmediate(resolve));
    gates[1]!(); // the second maker finishes first
    const [second] = await b;
    gates[0]!();
    const [first] = await a;
    expect([first!.contentHash, second!.contentHash]).toEqual(['maker-1', 'maker-2']);
    const record = JSON.parse(fs.readFileSync(optimizedRecordPath(cacheDir, host, 's0'), 'utf8')) as OptimizedRecord;
    const named = optimizedModelPath(cacheDir, host, 's0', record.optimized.contentHash);
    expect(record.optimized.contentHash).toBe('maker-1'); // the last record written
    expect(fs.readFileSync(named, 'utf8')).toBe('s0.onnx made by maker 1');
    expect(fs.readdirSync(optimizedFolder(cacheDir, host)).sort()).toEqual(['s0.json', 's0.maker-1.onnx']); // the other maker's file is gone
    expect((await ensureOptimizedModels({ family: one, cacheDir, host, optimize: slow }))[0]).toMatchObject({ action: 'cached', path: named });
  });
});
