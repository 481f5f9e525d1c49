import * as fs from 'node:fs';
import * as path from 'node:path';

import { checkEngineBytes, decideEngine, encodeEngineFile, EngineCacheError, type EngineExpectation, type EngineState, inspectEngine } from '../../lib/engines/engine-file';
import { DynamicOfaError, ModelLoadError } from '../../lib/errors';
import { tempDir } from './helpers';

const header = { fingerprint: 'abc123', tensorrt: '8.5.2.2', tensorrtEncoded: 8502, device: 'dla0', dlaCore: 0, precision: 'fp16' };
const plan = Buffer.from('hello plan');
/** The header as the engine cache writes it now: with the TensorRT build. */
const built = { ...header, tensorrtBuild: '26' };

describe('engine files', () => {
  it('keep format 1 byte for byte (engine files already in caches stay readable)', () => {
    // Written by the addon's builder for the same header and plan, before the format moved to TypeScript.
    const native =
      '{"format":1,"fingerprint":"abc123","tensorrt":"8.5.2.2","tensorrtEncoded":8502,"device":"dla0","dlaCore":0,' +
      '"precision":"fp16","planBytes":10,"planSha256":"9d38cb6fceaa269891ada2e350ecf4fdf3f146422142050da462949678339d19"}';
    const bytes = encodeEngineFile(header, plan);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('DOFATRT1');
    expect(bytes.readUInt32LE(8)).toBe(native.length);
    expect(bytes.subarray(12, 12 + native.length).toString('utf8')).toBe(native);
    expect(bytes.subarray(12 + native.length).equals(plan)).toBe(true);
  });

  it('round-trip and verify', () => {
    const check = checkEngineBytes(encodeEngineFile(header, plan));
    expect(check).toEqual({ ok: true, header: expect.objectContaining({ ...header, planBytes: 10, format: 1 }) });
  });

  it('record the TensorRT build (any format) and check it is a string', () => {
    expect(checkEngineBytes(encodeEngineFile(built, plan))).toEqual({ ok: true, header: expect.objectContaining({ format: 1, tensorrtBuild: '26' }) });
    const bad = encodeEngineFile({ ...built, tensorrtBuild: 26 as unknown as string }, plan);
    expect(checkEngineBytes(bad)).toEqual({ ok: false, problem: 'corrupt header (tensorrtBuild)' });
  });

  it('write format 2 when the placement or activation memory is known, and check those fields', () => {
    const placement = { dlaLoadables: 3, gpuLayers: 5, reformatLayers: 2, source: 'engine-inspector' as const };
    const check = checkEngineBytes(encodeEngineFile({ ...header, placement, activationBytes: 4096 }, plan));
    expect(check).toEqual({ ok: true, header: expect.objectContaining({ ...header, format: 2, placement, activationBytes: 4096, planBytes: 10 }) });
    const bad = encodeEngineFile({ ...header, placement: { ...placement, dlaLoadables: -1 } }, plan);
    expect(checkEngineBytes(bad)).toEqual({ ok: false, problem: expect.stringMatching(/corrupt header \(placement/) });
  });

  it.each<[string, (b: Buffer) => Buffer, RegExp]>([
    ['a flipped plan byte', (b) => { b[b.length - 1] = b[b.length - 1]! ^ 1; return b; }, /checksum/],
    ['a truncated plan', (b) => b.subarray(0, b.length - 1), /truncated/],
    ['trailing bytes', (b) => Buffer.concat([b, Buffer.from([0])]), /truncated or padded/],
    ['a raw TensorRT plan (no header)', () => Buffer.from('ftrt\0\0\0\0 raw plan bytes'), /bad magic/],
    ['an empty file', () => Buffer.alloc(0), /bad magic/],
    ['a garbage header', (b) => { b.write('{{{{', 12, 'latin1'); return b; }, /not JSON/],
    ['an absurd header length', (b) => { b.writeUInt32LE(1 << 30, 8); return b; }, /corrupt header/],
  ])('reject %s', (_name, damage, problem) => {
    const check = checkEngineBytes(damage(encodeEngineFile(header, plan)));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problem).toMatch(problem);
  });
});

describe('cache decisions', () => {
  const dir = tempDir('engines');
  const file = path.join(dir, 's0.fp16.engine');
  const expected: EngineExpectation = {
    fingerprint: 'abc123',
    tensorrtEncoded: 8502,
    tensorrtBuild: '26',
    device: 'dla0',
    precision: 'fp16',
  };

  it('missing -> build', () => {
    const state = inspectEngine(path.join(dir, 'none.engine'), expected);
    expect(state).toEqual({ status: 'missing' });
    expect(decideEngine(state, file)).toEqual({ action: 'build', reason: 'missing' });
  });

  it('fresh -> use (and --force rebuilds)', () => {
    fs.writeFileSync(file, encodeEngineFile(built, plan));
    const state = inspectEngine(file, expected);
    expect(state.status).toBe('fresh');
    expect(decideEngine(state, file)).toEqual({ action: 'use' });
    expect(decideEngine(state, file, { force: true })).toEqual({ action: 'build', reason: 'forced' });
  });

  it.each<[string, Partial<typeof expected>, RegExp]>([
    ['another fingerprint', { fingerprint: 'def456' }, /fingerprint differs/],
    ['another TensorRT', { tensorrtEncoded: 100300 }, /built with TensorRT 8\.5\.2\.2/],
    ['another build of the same TensorRT', { tensorrtBuild: '27' }, /built by another build of TensorRT 8\.5\.2\.2 \(26; loaded: 27\)/],
    ['another device', { device: 'dla1' }, /built for dla0/],
    ['another precision', { precision: 'int8' }, /built for fp16/],
  ])('mismatched (%s) -> stale -> rebuild', (_name, change, reason) => {
    fs.writeFileSync(file, encodeEngineFile(built, plan));
    const state = inspectEngine(file, { ...expected, ...change });
    expect(state.status).toBe('stale');
    const decision = decideEngine(state, file);
    expect(decision.action).toBe('build');
    expect(decision.action === 'build' && decision.reason).toMatch(reason);
  });

  it('an engine file without the TensorRT build (written before it was recorded) -> stale', () => {
    fs.writeFileSync(file, encodeEngineFile(header, plan));
    const state = inspectEngine(file, expected);
    expect(state).toMatchObject({ status: 'stale', reasons: [expect.stringMatching(/another build of TensorRT 8\.5\.2\.2 \(not recorded; loaded: 26\)/)] });
  });

  it('corrupt -> rebuild, never used', () => {
    const bytes = encodeEngineFile(built, plan);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const state = inspectEngine(file, expected);
    expect(state).toEqual({ status: 'corrupt', problem: expect.stringMatching(/checksum/) });
    expect(decideEngine(state, file)).toEqual({ action: 'build', reason: expect.stringMatching(/^corrupt: plan checksum/) });
  });

  it.each<[EngineState['status'], EngineState]>([
    ['missing', { status: 'missing' }],
    ['corrupt', { status: 'corrupt', problem: 'plan checksum mismatch (corrupt file)' }],
    ['stale', { status: 'stale', reasons: ['built with TensorRT 8.5.2'], header: { ...header, format: 1, planBytes: 1, planSha256: '' } }],
  ])('%s with rebuilding disabled -> a typed error', (status, state) => {
    let error: unknown;
    try {
      decideEngine(state, file, { rebuild: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineCacheError);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toBeInstanceOf(DynamicOfaError);
    expect((error as EngineCacheError).code).toBe('E_MODEL_LOAD');
    expect((error as EngineCacheError).reason).toBe(status);
    expect((error as EngineCacheError).enginePath).toBe(file);
    expect((error as Error).message).toMatch(/rebuilding is disabled.*build-engines/);
  });

  it('a fresh engine is used even with rebuilding disabled', () => {
    fs.writeFileSync(file, encodeEngineFile(built, plan));
    expect(decideEngine(inspectEngine(file, expected), file, { rebuild: false })).toEqual({ action: 'use' });
  });
});
