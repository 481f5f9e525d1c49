// The one place input is checked (lib/model/input-checks.ts), without the addon: every user-facing check the
// addon used to make has its twin here, with one message per problem.
import { ClosedError, InputError, InvalidArgumentError, SubnetUnknownError } from '../../lib';
import { assertOpen, checkImage, checkInput, checkLoadOptions, resolveSubnet } from '../../lib/model/input-checks';
import { SHARED_INPUT } from '../../lib/native/addon';

const subnet = { id: 'L3', inputShape: [1, 3, 4, 4] };
const shared = new Float32Array(3 * 8 * 8);

describe('load options', () => {
  it('threads and warm-up runs are integers within the addon\'s bounds', () => {
    expect(checkLoadOptions({})).toEqual({ threads: undefined, warmupRuns: 5, inlineBelowMs: 1 });
    expect(checkLoadOptions({ threads: 1024, warmupRuns: 1000 })).toEqual({ threads: 1024, warmupRuns: 1000, inlineBelowMs: 1 });
    for (const options of [{ threads: 0 }, { threads: 1025 }, { threads: 2.5 }, { threads: '2' as never }, { warmupRuns: 0 }, { warmupRuns: 1001 }, { warmupRuns: NaN }]) {
      expect(() => checkLoadOptions(options)).toThrow(InvalidArgumentError);
    }
    expect(() => checkLoadOptions({ threads: 1025 })).toThrow('threads must be an integer in [1, 1024]; got 1025');
  });
});

describe('sub-network and lifecycle', () => {
  const ids = new Map([['L0', 0], ['L1', 1]]);
  it('by index or id; anything else is E_SUBNET_UNKNOWN with the ids listed', () => {
    expect(resolveSubnet(1, ids, 'f')).toBe(1);
    expect(resolveSubnet('L0', ids, 'f')).toBe(0);
    for (const bad of [2, -1, 0.5, NaN]) expect(() => resolveSubnet(bad, ids, 'f')).toThrow(SubnetUnknownError);
    expect(() => resolveSubnet('L9', ids, 'f')).toThrow("no sub-network 'L9' in family 'f' (ids: L0, L1)");
  });

  it('a closed model is E_CLOSED', () => {
    expect(() => assertOpen(true, 'f')).toThrow(ClosedError);
    expect(() => assertOpen(false, 'f')).not.toThrow();
  });
});

describe('inference input', () => {
  it('floats: the sub-network\'s size, named by id (the one wording for this error)', () => {
    const floats = new Float32Array(48);
    expect(checkInput(floats, subnet, shared)).toEqual([floats, null, 0, 0, 'gray', 0]);
    expect(checkInput(floats, subnet, shared)[0]).toBe(floats);
    expect(checkInput(undefined, subnet, shared)).toBe(SHARED_INPUT);
    expect(checkInput(null, subnet, shared)).toBe(SHARED_INPUT);
    expect(() => checkInput(new Float32Array(47), subnet, shared)).toThrow("input has 47 floats; sub-network 'L3' expects 48 (1x3x4x4)");
    expect(() => checkInput(new Float32Array(47), subnet, shared)).toThrow(expect.objectContaining({ code: 'E_INPUT_SHAPE' }));
  });

  it('the start of the shared input runs in place; another view of it is copied', () => {
    expect(checkInput(shared.subarray(0, 48), subnet, shared)).toBe(SHARED_INPUT);
    const offset = shared.subarray(1, 49);
    expect(checkInput(offset, subnet, shared)[0]).toBe(offset);
  });

  it.each<[string, unknown]>([
    ['a Float64Array', new Float64Array(48)],
    ['a DataView', new DataView(new ArrayBuffer(192))],
    ['a number', 42],
    ['a string', 'frame'],
    ['a function', () => 0],
    ['a plain array', [1, 2, 3]],
  ])('%s is E_INPUT_TYPE', (_, input) => {
    expect(() => checkInput(input, subnet, shared)).toThrow(expect.objectContaining({ code: 'E_INPUT_TYPE' }));
  });
});

describe('images', () => {
  const image = { data: new Uint8Array(2 * 2 * 3), width: 2, height: 2, format: 'rgb' as const };

  it('a valid image passes through, its stride filled in (a row) when not given', () => {
    expect(checkImage(image)).toEqual({ ...image, stride: 6 });
    expect(checkImage({ ...image, data: new Uint8Array(8 + 6), stride: 8 })).toMatchObject({ stride: 8 });
    expect(checkImage({ ...image, data: Buffer.alloc(12) })).toMatchObject({ width: 2 });
    expect(checkInput(image, subnet, shared)).toEqual([null, image.data, 2, 2, 'rgb', 6]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['data not bytes', { data: new Int8Array(12) }, 'E_INPUT_TYPE', 'image.data must be a Uint8Array or Buffer'],
    ['unknown format', { format: 'yuv' }, 'E_INPUT_TYPE', 'image.format must be one of gray, rgb, bgr, rgba, bgra; got "yuv"'],
    ['a format that is an Object method', { format: 'toString' }, 'E_INPUT_TYPE', 'image.format must be one of'],
    ['zero width', { width: 0 }, 'E_INPUT_SHAPE', 'image.width must be an integer in [1, 65536]; got 0'],
    ['a height over the bound', { height: 65537 }, 'E_INPUT_SHAPE', 'image.height must be an integer in [1, 65536]'],
    ['a fractional width', { width: 1.5 }, 'E_INPUT_SHAPE', 'image.width must be an integer'],
    ['a stride that is not a number', { stride: '8' }, 'E_INPUT_SHAPE', 'image.stride must be an integer number of bytes'],
    ['a stride below a row', { stride: 5 }, 'E_INPUT_SHAPE', 'image.stride 5 is smaller than a row (6 bytes)'],
    ['a stride over the bound', { stride: 2 ** 31 }, 'E_INPUT_SHAPE', `image.stride ${2 ** 31} is over ${2 ** 30} bytes`],
    ['too few bytes', { data: new Uint8Array(11) }, 'E_INPUT_SHAPE', 'image.data has 11 bytes; a 2x2 rgb image with stride 6 needs 12'],
  ])('%s: %s', (_, change, code, message) => {
    const bad = { ...image, ...change };
    expect(() => checkImage(bad as never)).toThrow(InputError);
    expect(() => checkImage(bad as never)).toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
  });
});
