import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FamilyInvalidError, loadFamily, validateManifest } from '../../lib';
import { int8Family, scratchFamily, seededFloats, tinyFamily, tinyManifest, withModels } from '../helpers';

describe('family.json validation', () => {
  it('not JSON: names the file', async () => {
    const dir = scratchFamily('{ "name": ');
    const error = (await loadFamily(dir).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect(error.file).toBe(path.join(dir, 'family.json'));
    expect(error.problems[0]!.message).toMatch(/not valid JSON/);
  });

  it('missing folder: E_FAMILY_INVALID, cannot read', async () => {
    await expect(loadFamily('/nonexistent/family')).rejects.toMatchObject({ code: 'E_FAMILY_INVALID', message: expect.stringContaining('cannot read') });
  });

  it('reports every schema problem with its JSON path', async () => {
    const manifest = {
      ...tinyManifest,
      schemaVersion: 2,
      input: { ...tinyManifest.input, channels: 2, std: [0.2, 0, 0.2] },
      subnets: [
        { ...tinyManifest.subnets[0], accuracy: { ...tinyManifest.subnets[0].accuracy, value: 'high' } },
        { id: 's1' },
        { ...tinyManifest.subnets[2], config: { ks: [9], e: [4], d: [2], r: 24 } },
      ],
    };
    const error = (await loadFamily(scratchFamily(manifest)).catch((e: unknown) => e)) as FamilyInvalidError;
    const paths = error.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/schemaVersion', '/input/channels', '/input/std/1', '/subnets/0/accuracy/value', '/subnets/1/model', '/subnets/1/accuracy', '/subnets/2/config/ks/0']),
    );
    expect(error.message).toContain('/subnets/1/model: is required');
  });

  // An integer too large for any image (1e308 is an integer to JSON Schema) is family.json's error, never the addon's.
  it.each([[1e308], [65537], [0]])('a resolution of %s: E_FAMILY_INVALID at /subnets/0/resolution', async (resolution) => {
    const manifest = { ...tinyManifest, subnets: [{ ...tinyManifest.subnets[0], resolution }, ...tinyManifest.subnets.slice(1)] };
    const error = (await loadFamily(scratchFamily(manifest)).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect(error.problems.map((p) => p.path)).toContain('/subnets/0/resolution');
  });

  it('semantic problems: channel/mean mismatch, duplicate ids, config.r vs resolution', async () => {
    const manifest = {
      ...tinyManifest,
      input: { ...tinyManifest.input, mean: [0.5] },
      subnets: [tinyManifest.subnets[0], { ...tinyManifest.subnets[1], id: 's0', config: { ks: [3], e: [3], d: [2], r: 99 } }],
    };
    const error = (await loadFamily({ manifest, dir: tinyFamily }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { path: '/input/mean', message: 'has 1 values; input.channels is 3' },
        { path: '/subnets/1/id', message: "duplicates /subnets/0/id 's0'" },
        { path: '/subnets/1/config/r', message: 'is 99; resolution is 20' },
      ]),
    );
  });

  it.each([['../s0.onnx'], ['/etc/passwd'], ['sub/../../x.onnx']])('model paths cannot escape the family folder (%s)', async (model) => {
    const error = (await loadFamily({ manifest: withModels([model]), dir: tinyFamily }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error).toBeInstanceOf(FamilyInvalidError);
    expect(error.problems).toEqual([{ path: '/subnets/0/model', message: expect.stringContaining('inside the family folder') }]);
  });

  describe('symbolic links are followed to where they lead, and must stay inside the family folder', () => {
    const outside = (): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-outside-'));
      fs.copyFileSync(path.join(tinyFamily, 's0.onnx'), path.join(dir, 's0.onnx'));
      return dir;
    };

    it('a model file linked to a file outside: E_FAMILY_INVALID at /subnets/0/model, even though the target would load', async () => {
      const target = path.join(outside(), 's0.onnx');
      const dir = scratchFamily(withModels(['m.onnx']));
      fs.symlinkSync(target, path.join(dir, 'm.onnx'));
      const error = (await loadFamily(dir, { warmupRuns: 1 }).catch((e: unknown) => e)) as FamilyInvalidError;
      expect(error).toBeInstanceOf(FamilyInvalidError);
      expect(error.problems).toEqual([{ path: '/subnets/0/model', message: expect.stringContaining(`leads to ${fs.realpathSync(target)}`) }]);
      expect(error.problems[0]!.message).toContain('outside the family folder');
    });

    it('a linked folder on the way out: E_FAMILY_INVALID at the model\'s JSON path', async () => {
      const dir = scratchFamily(withModels(['s0.onnx', 'linked/s0.onnx']), { 's0.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')) });
      fs.symlinkSync(outside(), path.join(dir, 'linked'));
      const error = (await loadFamily(dir, { warmupRuns: 1 }).catch((e: unknown) => e)) as FamilyInvalidError;
      expect(error.problems.map((p) => p.path)).toEqual(['/subnets/1/model']);
    });

    it('sample files linked out: E_FAMILY_INVALID at /sample/images', async () => {
      const sample = { images: 'images.u8', labels: 'labels.u8', count: 1, width: 1, height: 1, channels: 3 };
      const dir = scratchFamily(withModels(['s0.onnx'], { sample }), { 's0.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')), 'labels.u8': Buffer.alloc(1) });
      const secret = path.join(outside(), 'secret.u8');
      fs.writeFileSync(secret, Buffer.alloc(3));
      fs.symlinkSync(secret, path.join(dir, 'images.u8'));
      const error = (await loadFamily(dir, { warmupRuns: 1 }).catch((e: unknown) => e)) as FamilyInvalidError;
      expect(error.problems.map((p) => p.path)).toEqual(['/sample/images']);
    });

    it('links that stay inside are fine: a model linked to another file of the folder, and the folder itself reached through a link', async () => {
      const dir = scratchFamily(withModels(['s0.onnx', 'alias.onnx']), { 's0.onnx': fs.readFileSync(path.join(tinyFamily, 's0.onnx')) });
      fs.symlinkSync('s0.onnx', path.join(dir, 'alias.onnx'));
      const via = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-via-')), 'family');
      fs.symlinkSync(dir, via);
      for (const source of [dir, via]) {
        const linked = await loadFamily(source, { warmupRuns: 1 });
        const input = seededFloats(3 * 16 * 16, 4);
        const [a, b] = [await linked.infer(input, { subnet: 0 }), await linked.infer(input, { subnet: 1 })];
        expect(Array.from(b.output)).toEqual(Array.from(a.output));
        await linked.close();
      }
    });
  });

  describe('produced.int8Candidates: the int8 candidates a selection measured', () => {
    const int8Manifest = JSON.parse(fs.readFileSync(path.join(int8Family, 'family.json'), 'utf8'));
    const candidate = { resolution: 24, macs: 1000, fp32: { latencyMs: 0.2, top1: 65.1 }, int8: { latencyMs: 0.15, top1: 65.0 }, int8OverFp32: 0.75, top1Delta: -0.1 };
    const withCandidates = (candidates: unknown[]): unknown => ({
      ...int8Manifest,
      produced: { ...int8Manifest.produced, int8Candidates: { latency: { cpu: 'test CPU', isa: ['avx2'], threads: 1, runs: 10 }, candidates } },
    });

    it('a consistent record validates: kept names the int8 level, fp32Level an fp32 level', () => {
      expect(validateManifest(withCandidates([{ ...candidate, kept: true, level: 's1' }, { ...candidate, kept: false, fp32Level: 's0' }]), int8Family)).toEqual([]);
    });

    it('kept without a level, a level while not kept, and levels of the wrong precision are reported by JSON path', () => {
      const problems = validateManifest(withCandidates([
        { ...candidate, kept: true },
        { ...candidate, kept: false, level: 's1' },
        { ...candidate, kept: true, level: 's0' },
        { ...candidate, kept: false, fp32Level: 's1' },
      ]), int8Family);
      const at = '/produced/int8Candidates/candidates';
      expect(problems).toEqual([
        { path: `${at}/0/level`, message: 'is required when kept is true' },
        { path: `${at}/1/level`, message: "names level 's1' but kept is false" },
        { path: `${at}/2/level`, message: "'s0' is not an int8 level of this family" },
        { path: `${at}/3/fp32Level`, message: "'s1' is not an fp32 level of this family" },
      ]);
    });

    it('the schema checks each candidate (latency of both precisions, the ratio, kept)', () => {
      const { int8OverFp32: _ratio, ...noRatio } = candidate;
      const paths = validateManifest(withCandidates([{ ...noRatio, kept: 'yes', int8: { top1: 101 } }]), int8Family).map((p) => p.path);
      const at = '/produced/int8Candidates/candidates/0';
      expect(paths).toEqual(expect.arrayContaining([`${at}/int8OverFp32`, `${at}/kept`, `${at}/int8/latencyMs`, `${at}/int8/top1`]));
    });
  });

  it('an empty family: E_FAMILY_INVALID at /subnets', async () => {
    const error = (await loadFamily({ manifest: { ...tinyManifest, subnets: [] }, dir: tinyFamily }).catch((e: unknown) => e)) as FamilyInvalidError;
    expect(error.problems.map((p) => p.path)).toEqual(['/subnets']);
  });
});
