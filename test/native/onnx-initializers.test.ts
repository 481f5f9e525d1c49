/**
 * The addon's reader of a pre-optimized model's initializers (binding/ort/onnx_initializers.cc) and its content-hash
 * check, through loadModel with shareWeights: a malformed file is an E_MODEL_LOAD error naming the file, never a
 * crash; one that is not the file recorded is refused before ONNX Runtime reads it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { getBinding } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import { tempDir } from '../engines/helpers';
import { tinyFamily } from '../helpers';
import { loadTiny } from './native-load';

// Protobuf's wire format, for hand-made models.
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
const key = (field: number, wireType: number): Buffer => varint(field * 8 + wireType);
const lengthDelimited = (field: number, body: Buffer): Buffer => Buffer.concat([key(field, 2), varint(body.length), body]);
const varintField = (field: number, value: number): Buffer => Buffer.concat([key(field, 0), varint(value)]);
/** ModelProto { graph: GraphProto { initializer: tensor } } */
const modelWith = (tensor: Buffer): Buffer => lengthDelimited(7, lengthDelimited(5, tensor));
/** TensorProto float32 named `name`, `dims`, raw data of `rawBytes` bytes. */
const floatTensor = (name: string, dims: number[], rawBytes: number): Buffer =>
  Buffer.concat([...dims.map((d) => varintField(1, d)), varintField(2, 1), lengthDelimited(8, Buffer.from(name)), lengthDelimited(9, Buffer.alloc(rawBytes, 1))]);

const dir = tempDir('onnx-initializers');
const write = (name: string, bytes: Buffer): string => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

let optimized: { file: string; contentHash: string; bytes: Buffer };
beforeAll(async () => {
  const file = path.join(dir, 's0.optimized.onnx');
  const made = await getBinding().optimizeModel(resolveOrtLibrary(), 1, path.join(tinyFamily, 's0.onnx'), file);
  optimized = { file, contentHash: made.contentHash, bytes: fs.readFileSync(file) };
  expect(made.bytes).toBe(optimized.bytes.length);
  expect(made.contentHash).toMatch(/^[0-9a-f]{16}$/);
});

const loadShared = (file: string, contentHash?: string): Promise<unknown> =>
  loadTiny(['s0'], { shareWeights: true, models: [{ subnet: 0, path: file, offset: 0, dlaLoadables: 0, ...(contentHash ? { contentHash } : {}) }] })
    .then((model) => {
      model.close();
      return 'loaded';
    });

describe('pre-optimized models, read by the addon', () => {
  it('a well-formed one loads and shares its weights', async () => {
    const model = await loadTiny(['s0'], { shareWeights: true, models: [{ subnet: 0, path: optimized.file, offset: 0, dlaLoadables: 0, contentHash: optimized.contentHash }] });
    const [info] = model.subnetInfo();
    expect(info!.weightBytes).toBeGreaterThan(0);
    expect(info!.weightBytes).toBeLessThan(optimized.bytes.length);
    expect(info!.reusedWeightBytes).toBe(0);
    model.close();
  });

  it.each<[string, () => Buffer, RegExp]>([
    ['an empty file', () => Buffer.alloc(0), /not a valid ONNX model: no graph/],
    ['random bytes', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), /not a valid ONNX model/],
    ['a varint of 11 bytes', () => Buffer.from([...Array(11).fill(0xff), 0x01]), /varint is longer than 10 bytes/],
    ['a graph longer than the file', () => Buffer.concat([key(7, 2), varint(1000), Buffer.alloc(10)]), /runs past the end/],
    ['a group (wire type 3)', () => Buffer.concat([key(7, 3), Buffer.alloc(4)]), /wire type 3/],
    ['field number 0', () => Buffer.from([0x02, 0x00]), /field number 0/],
    ['raw data that does not fill its dims', () => modelWith(floatTensor('w', [4, 4], 60)), /initializer 'w' has 60 bytes of data for 16 elements of 4 bytes/],
    ['a negative dimension', () => modelWith(Buffer.concat([key(1, 0), Buffer.from([...Array(9).fill(0xff), 0x01]), floatTensor('w', [], 4)])), /initializer 'w' has a negative dimension/],
    ['a tensor whose dims overflow', () => modelWith(floatTensor('w', [2 ** 40, 2 ** 40, 2 ** 40], 4)), /initializer 'w' is too large/],
    ['a tensor field longer than its graph', () => lengthDelimited(7, Buffer.concat([key(5, 2), varint(50), Buffer.alloc(3)])), /runs past the end/],
  ])('%s: E_MODEL_LOAD naming the file', async (name, bytes, reason) => {
    const file = write(`${name.replace(/\W+/g, '-')}.onnx`, bytes());
    await expect(loadShared(file)).rejects.toMatchObject({ code: 'E_MODEL_LOAD', message: expect.stringMatching(reason) });
    await expect(loadShared(file)).rejects.toMatchObject({ message: expect.stringContaining(file) });
  });

  it('a well-formed file with no sub-network in it: ONNX Runtime\'s typed error', async () => {
    const file = write('only-an-initializer.onnx', modelWith(floatTensor('w', [4], 16)));
    await expect(loadShared(file)).rejects.toMatchObject({ code: 'E_MODEL_LOAD', message: expect.stringContaining(file) });
  });

  it('truncated anywhere: a typed error, never a crash', async () => {
    const cuts = Array.from({ length: 24 }, (_, i) => Math.floor((optimized.bytes.length * (i + 1)) / 25));
    for (const cut of cuts) {
      const file = write(`cut-${cut}.onnx`, optimized.bytes.subarray(0, cut));
      const outcome = await loadShared(file).catch((error: { code?: string }) => error.code);
      expect([cut, outcome]).toEqual([cut, 'E_MODEL_LOAD']);
    }
  });

  it('refuses a file that is not the one recorded (its content hash), before ONNX Runtime reads it', async () => {
    const changed = Buffer.from(optimized.bytes);
    changed[changed.length - 300] = changed[changed.length - 300]! ^ 0x10;
    const file = write('changed.onnx', changed);
    await expect(loadShared(file, optimized.contentHash)).rejects.toMatchObject({
      code: 'E_MODEL_LOAD', message: expect.stringMatching(/is not the file that was written \(content hash [0-9a-f]{16}, recorded [0-9a-f]{16}\): damaged or replaced/),
    });
    await expect(loadShared(optimized.file, optimized.contentHash)).resolves.toBe('loaded');
  });
});
