/**
 * The one place where what a caller hands a model is checked: load options, the sub-network to run, and the
 * inference input (a Float32Array or an 8-bit image). Each problem has one typed error with one message, made
 * here; the addon only asserts the invariants its memory safety needs and never repeats these checks.
 */
import { ClosedError, InputError, InvalidArgumentError, SubnetUnknownError } from '../errors';
import { BYTES_PER_PIXEL, type Image, isPixelFormat, PIXEL_FORMATS } from '../image/image';
import { checkDlaBudgetMode } from '../engines/dla-budget';
import { checkPrecision } from '../engines/ensure-engines';
import { type NativeInput, SHARED_INPUT } from '../native/addon';
import { describeValue, isOptionsObject } from '../util/describe-value';
import type { LoadOptions } from './load-family';

// The addon's own bounds for these numbers; beyond them a request is a mistake, not a bigger machine.
const MAX_THREADS = 1024;
const MAX_WARMUP_RUNS = 1000;
const MAX_IMAGE_SIDE = 65536;
const MAX_ROW_STRIDE = 2 ** 30;

function integerIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}]; got ${describeValue(value)}`);
  }
  return value;
}

/** `LoadOptions.inlineBelowMs` by default (ms): a timer tick (see there). */
export const DEFAULT_INLINE_BELOW_MS = 1;

/**
 * Checks every load option (an unknown name is left alone, as a newer option would be); returns the numeric ones
 * with defaults filled in. The TensorRT ones are checked on every device, so a typo shows on the CPU too.
 */
export function checkLoadOptions(options: unknown): { threads: number | undefined; warmupRuns: number; inlineBelowMs: number } {
  const o = checkOptionsObject('load options', options) as LoadOptions;
  const inlineBelowMs = o.inlineBelowMs ?? DEFAULT_INLINE_BELOW_MS;
  if (typeof inlineBelowMs !== 'number' || Number.isNaN(inlineBelowMs) || inlineBelowMs < 0) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `inlineBelowMs must be a number >= 0 (ms; 0: never inline, Infinity: always); got ${String(inlineBelowMs)}`);
  }
  for (const name of ['copyBuffers', 'shareWeights', 'buildEngines'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw new InvalidArgumentError('E_INVALID_ARGUMENT', `${name} must be true, false or omitted; got ${describeValue(o[name])}`);
  }
  if (o.cache !== undefined && (typeof o.cache !== 'string' || o.cache === '')) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `cache must be a folder path or omitted; got ${describeValue(o.cache)}`);
  }
  if (o.onEngineEvent !== undefined && typeof o.onEngineEvent !== 'function') {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `onEngineEvent must be a function or omitted; got ${describeValue(o.onEngineEvent)}`);
  }
  checkPrecision(o.precision);
  checkDlaBudgetMode(o.dlaBudget);
  return {
    threads: o.threads === undefined ? undefined : integerIn('threads', o.threads, 1, MAX_THREADS),
    warmupRuns: integerIn('warmupRuns', o.warmupRuns ?? 5, 1, MAX_WARMUP_RUNS),
    inlineBelowMs,
  };
}

/** An options argument (`name` as the message calls it): omitted ({}), or an object. */
export function checkOptionsObject(name: string, options: unknown): Record<string, unknown> {
  if (!isOptionsObject(options)) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `${name} must be an object or omitted; got ${describeValue(options)}`);
  return options ?? {};
}

/** Checks `WarmOptions.signal`. */
export function checkSignalOption(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new InvalidArgumentError('E_INVALID_ARGUMENT', `options.signal must be an AbortSignal or omitted; got ${typeof signal}`);
}

/** Checks `InferOptions.inline`. */
export function checkInlineOption(inline: unknown): boolean | undefined {
  if (inline === undefined || typeof inline === 'boolean') return inline;
  throw new InvalidArgumentError('E_INVALID_ARGUMENT', `options.inline must be true, false or omitted; got ${JSON.stringify(inline)}`);
}

export function assertOpen(closed: boolean, familyName: string): void {
  if (closed) throw new ClosedError('E_CLOSED', `family '${familyName}' is closed`);
}

/** The index of a sub-network given by index or id. */
export function resolveSubnet(subnet: number | string, ids: ReadonlyMap<string, number>, familyName: string): number {
  if (typeof subnet === 'number') {
    if (Number.isInteger(subnet) && subnet >= 0 && subnet < ids.size) return subnet;
    throw new SubnetUnknownError('E_SUBNET_UNKNOWN', `sub-network index ${subnet} is out of range [0, ${ids.size})`);
  }
  const index = ids.get(subnet);
  if (index === undefined) {
    throw new SubnetUnknownError('E_SUBNET_UNKNOWN', `no sub-network '${String(subnet)}' in family '${familyName}' (ids: ${[...ids.keys()].join(', ')})`);
  }
  return index;
}

const typeName = (value: unknown): string => Object.prototype.toString.call(value).slice(8, -1);

/**
 * Checks an inference input against the sub-network it would run on; returns what the addon's run reads, as its
 * positional values. `sharedInput` is the model's shared input buffer: the caller passing (the start of) it means
 * "run on it in place".
 */
export function checkInput(input: unknown, subnet: { id: string; inputShape: readonly number[] }, sharedInput: Float32Array): NativeInput {
  if (input === undefined || input === null) return SHARED_INPUT;
  const expected = elementCount(subnet.inputShape);
  if (ArrayBuffer.isView(input)) {
    // The tag also recognizes a Float32Array made in another realm (a vm context, a worker's transferred view).
    if (!(input instanceof Float32Array) && typeName(input) !== 'Float32Array') {
      throw new InputError('E_INPUT_TYPE', `input must be a Float32Array or an image; got ${typeName(input)}`);
    }
    const floats = input as Float32Array;
    if (floats.length !== expected) {
      throw new InputError('E_INPUT_SHAPE', `input has ${floats.length} floats; sub-network '${subnet.id}' expects ${expected} (${subnet.inputShape.join('x')})`);
    }
    if (floats.buffer === sharedInput.buffer && floats.byteOffset === 0) return SHARED_INPUT;
    return [floats, null, 0, 0, 'gray', 0];
  }
  if (typeof input !== 'object') throw new InputError('E_INPUT_TYPE', `input must be a Float32Array or an image; got ${typeof input}`);
  const image = checkImage(input as Image);
  return [null, image.data, image.width, image.height, image.format, image.stride];
}

/** Checks an 8-bit image: its bytes, format, size and row stride; returns it with the stride filled in. */
export function checkImage(image: Image): Image & { stride: number } {
  const { data, width, height, format, stride } = image;
  if (!ArrayBuffer.isView(data) || typeName(data) !== 'Uint8Array') {
    throw new InputError('E_INPUT_TYPE', 'image.data must be a Uint8Array or Buffer');
  }
  if (!isPixelFormat(format)) {
    throw new InputError('E_INPUT_TYPE', `image.format must be one of ${PIXEL_FORMATS.join(', ')}; got ${JSON.stringify(format)}`);
  }
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_IMAGE_SIDE) {
      throw new InputError('E_INPUT_SHAPE', `image.${name} must be an integer in [1, ${MAX_IMAGE_SIDE}]; got ${value}`);
    }
  }
  const rowBytes = width * BYTES_PER_PIXEL[format];
  const rowStride = stride ?? rowBytes;
  if (!Number.isInteger(rowStride)) throw new InputError('E_INPUT_SHAPE', `image.stride must be an integer number of bytes; got ${String(rowStride)}`);
  if (rowStride < rowBytes) throw new InputError('E_INPUT_SHAPE', `image.stride ${rowStride} is smaller than a row (${rowBytes} bytes)`);
  if (rowStride > MAX_ROW_STRIDE) throw new InputError('E_INPUT_SHAPE', `image.stride ${rowStride} is over ${MAX_ROW_STRIDE} bytes`);
  const needed = rowStride * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new InputError('E_INPUT_SHAPE', `image.data has ${data.length} bytes; a ${width}x${height} ${format} image with stride ${rowStride} needs ${needed}`);
  }
  return { data, width, height, format, stride: rowStride };
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
