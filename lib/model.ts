/**
 * DynamicModel: a whole sub-network family resident on one device, switched by index, run off the event loop.
 */
import { assertDeviceAvailable, type Device, nativeTarget } from './backends';
import { ClosedError, FamilyInvalidError, fromNative, InputError, InvalidArgumentError, SubnetUnknownError } from './errors';
import { type DeviceModelOptions, modelsForDevice, profiledLatencies } from './device-models';
import { type AccuracyRecord, type FamilyManifest, loadManifest, type OfaConfig } from './family-manifest';
import { getBinding, type NativeFamily, type NativeFrame, type NativeRunResult, resolveOrtLibrary } from './native';

export type PixelFormat = NativeFrame['format'];

/** An 8-bit image; resized (bilinear) and normalized natively into the active sub-network's input. */
export interface ImageInput {
  data: Uint8Array;
  width: number;
  height: number;
  format: PixelFormat;
  /** Bytes per row; default width * bytes per pixel. */
  stride?: number;
}

export type ModelInput = Float32Array | ImageInput;

export interface SubnetInfo {
  index: number;
  id: string;
  /** Top-1 in percent (the manifest's accuracy value). */
  accuracy: number;
  accuracyInfo: AccuracyRecord;
  /** Latency on this model's device, ms: from this machine's latency profile (build-engines / profile), else the median of the warm-up runs at load. */
  latencyMs: number;
  latencySource: 'profile' | 'warmup';
  /** Reference latencies from the manifest, by device key. */
  referenceLatencyMs: Readonly<Record<string, number>>;
  inputShape: readonly number[];
  outputShape: readonly number[];
  resolution: number;
  config?: OfaConfig;
  macs?: number;
  params?: number;
}

export interface LoadOptions extends DeviceModelOptions {
  /** Default 'cpu'. */
  device?: Device;
  /** ONNX Runtime intra-op threads, shared by every family in the process. Default: the pool's current size, else all cores. */
  threads?: number;
  /** Runs per sub-network at load, so the first inference after a switch is already fast. Default 5. */
  warmupRuns?: number;
  /** Expose the shared buffers as copies rather than external memory (what runtimes without external buffers get). Default: env DYNAMIC_OFA_NO_EXTERNAL_BUFFERS. */
  copyBuffers?: boolean;
}

export interface InferOptions {
  /** Run this sub-network instead of the active one. */
  subnet?: number | string;
  /** Return the shared output view instead of a copy; it is overwritten by the next inference. */
  sharedOutput?: boolean;
}

export interface InferenceResult {
  output: Float32Array;
  subnet: number;
  id: string;
  /** Native inference latency, ms. */
  latencyMs: number;
  /** Native preprocessing time for image input, ms. */
  preprocessMs: number;
  deviceMs?: number;
}

// Families still open when the process exits: their run threads are stopped before ONNX Runtime's statics
// are torn down, so no inference is still running then. Weak: a dropped model can still be collected.
const openFamilies = new Set<WeakRef<NativeFamily>>();
const forgetCollected = new FinalizationRegistry<WeakRef<NativeFamily>>((ref) => openFamilies.delete(ref));
let exitHookInstalled = false;
function trackOpen(native: NativeFamily): WeakRef<NativeFamily> {
  const ref = new WeakRef(native);
  openFamilies.add(ref);
  forgetCollected.register(native, ref);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const family of openFamilies) family.deref()?.shutdown();
    });
  }
  return ref;
}

export class DynamicModel {
  readonly manifest: FamilyManifest;
  readonly dir: string;
  readonly device: Device;
  readonly subnets: readonly SubnetInfo[];
  /** The whole shared input buffer (largest sub-network size). */
  readonly inputBuffer: Float32Array;
  readonly #native: NativeFamily;
  readonly #openRef: WeakRef<NativeFamily>;
  readonly #inputViews: Float32Array[];
  readonly #output: Float32Array;
  readonly #ids: Map<string, number>;
  #active: number;
  #pending = 0;
  #tail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /** @internal use {@link loadFamily} */
  constructor(native: NativeFamily, manifest: FamilyManifest, dir: string, device: Device, latencies: number[], latencySource: SubnetInfo['latencySource']) {
    this.#native = native;
    this.#openRef = trackOpen(native);
    this.manifest = manifest;
    this.dir = dir;
    this.device = device;
    const info = native.subnetInfo();
    this.inputBuffer = new Float32Array(native.inputBuffer);
    this.#output = new Float32Array(native.outputBuffer);
    this.subnets = Object.freeze(
      manifest.subnets.map((s, index): SubnetInfo => {
        const tensors = info[index]!;
        return Object.freeze({
          index,
          id: s.id,
          accuracy: s.accuracy.value,
          accuracyInfo: s.accuracy,
          latencyMs: latencies[index]!,
          latencySource,
          referenceLatencyMs: Object.freeze({ ...(s.latencyMs ?? {}) }),
          inputShape: Object.freeze([...tensors.input.shape]),
          outputShape: Object.freeze([...tensors.output.shape]),
          resolution: tensors.input.shape[3]!,
          ...(s.config ? { config: s.config } : {}),
          ...(s.macs !== undefined ? { macs: s.macs } : {}),
          ...(s.params !== undefined ? { params: s.params } : {}),
        });
      }),
    );
    this.#inputViews = this.subnets.map((s) => this.inputBuffer.subarray(0, elementCount(s.inputShape)));
    this.#ids = new Map(this.subnets.map((s) => [s.id, s.index]));
    this.#active = this.subnets.length - 1; // start on the most accurate
  }

  /** The sub-network that `infer()` runs by default. */
  get active(): SubnetInfo {
    return this.subnets[this.#active]!;
  }

  /** Makes another sub-network active: an index change, nothing is loaded or copied. */
  use(subnet: number | string): SubnetInfo {
    this.#assertOpen();
    this.#active = this.#resolve(subnet);
    return this.subnets[this.#active]!;
  }

  /** The active sub-network's input, as a view of the shared native input buffer: write a frame here. */
  get input(): Float32Array {
    return this.#inputViews[this.#active]!;
  }

  /** The shared output view (overwritten by every inference). */
  get output(): Float32Array {
    return this.#output;
  }

  /** True when the views are JS copies synchronized around runs (runtimes that refuse external memory). */
  get copiedBuffers(): boolean {
    return !this.#native.externalBuffers;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Inferences queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Runs one inference off the event loop. `input`: a Float32Array of the sub-network's input size, an 8-bit
   * image, or omitted to use what was written into {@link DynamicModel.input}. Requests are served in order, each on the
   * sub-network that was active when it was made (or `options.subnet`). Bad arguments throw synchronously.
   */
  infer(input?: ModelInput, options: InferOptions = {}): Promise<InferenceResult> {
    this.#assertOpen();
    const subnet = options.subnet === undefined ? this.#active : this.#resolve(options.subnet);
    let nativeInput = this.#checkInput(subnet, input);
    if (this.#pending > 0) nativeInput = this.#snapshot(subnet, nativeInput);
    const sharedOutput = options.sharedOutput === true;
    return this.#enqueue(() => {
      let run: Promise<NativeRunResult>;
      try {
        run = this.#native.run(subnet, nativeInput);
      } catch (error) {
        return Promise.reject(fromNative(error));
      }
      return run.then(
        (r) => this.#result(r.subnet, r.latencyMs, r.preprocessMs, r.deviceMs, sharedOutput),
        (error: unknown) => {
          throw fromNative(error);
        },
      );
    });
  }

  /** Synchronous inference on the calling thread (benchmarks, worker_threads). Throws while async work is pending. */
  inferSync(input?: ModelInput, options: InferOptions = {}): InferenceResult {
    this.#assertOpen();
    const subnet = options.subnet === undefined ? this.#active : this.#resolve(options.subnet);
    const nativeInput = this.#checkInput(subnet, input);
    if (this.#pending > 0) throw fromNative({ code: 'E_BUSY', message: 'inferSync while async inferences are pending; await them first' });
    try {
      const run = this.#native.runSync(subnet, nativeInput);
      return this.#result(run.subnet, run.latencyMs, run.preprocessMs, run.deviceMs, options.sharedOutput === true);
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Waits for queued inferences, then frees every session. Views stay readable; everything else throws E_CLOSED. */
  close(): Promise<void> {
    this.#closing ??= this.#tail.then(() => {
      this.#native.close();
      openFamilies.delete(this.#openRef);
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #result(subnet: number, latencyMs: number, preprocessMs: number, deviceMs: number | undefined, shared: boolean): InferenceResult {
    const result: InferenceResult = {
      output: shared ? this.#output : this.#output.slice(),
      subnet,
      id: this.subnets[subnet]!.id,
      latencyMs,
      preprocessMs,
    };
    if (deviceMs !== undefined) result.deviceMs = deviceMs;
    return result;
  }

  // Serializes runs: the next starts when the previous settled. An idle model starts the job at once.
  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#pending++ === 0 ? job() : this.#tail.then(job);
    const settled = (): void => {
      this.#pending--;
    };
    this.#tail = run.then(settled, settled);
    return run;
  }

  #assertOpen(): void {
    if (this.#closing) throw new ClosedError('E_CLOSED', `family '${this.manifest.name}' is closed`);
  }

  #resolve(subnet: number | string): number {
    if (typeof subnet === 'number') {
      if (Number.isInteger(subnet) && subnet >= 0 && subnet < this.subnets.length) return subnet;
      throw new SubnetUnknownError('E_SUBNET_UNKNOWN', `sub-network index ${subnet} is out of range [0, ${this.subnets.length})`);
    }
    const index = this.#ids.get(subnet);
    if (index === undefined) {
      throw new SubnetUnknownError('E_SUBNET_UNKNOWN', `no sub-network '${String(subnet)}' in family '${this.manifest.name}' (ids: ${[...this.#ids.keys()].join(', ')})`);
    }
    return index;
  }

  #checkInput(subnet: number, input: ModelInput | undefined): Float32Array | NativeFrame | undefined {
    if (input === undefined || input === null) return undefined;
    const expected = elementCount(this.subnets[subnet]!.inputShape);
    if (ArrayBuffer.isView(input)) {
      if (!(input instanceof Float32Array) && Object.prototype.toString.call(input) !== '[object Float32Array]') {
        throw new InputError('E_INPUT_TYPE', `input must be a Float32Array or an image; got ${Object.prototype.toString.call(input).slice(8, -1)}`);
      }
      const floats = input as Float32Array;
      if (floats.length !== expected) {
        throw new InputError(
          'E_INPUT_SHAPE',
          `input has ${floats.length} floats; sub-network '${this.subnets[subnet]!.id}' expects ${expected} (${this.subnets[subnet]!.inputShape.join('x')})`,
        );
      }
      // The caller passed the shared input itself: run on it in place.
      if (floats.buffer === this.inputBuffer.buffer && floats.byteOffset === 0) return undefined;
      return floats;
    }
    if (typeof input !== 'object') throw new InputError('E_INPUT_TYPE', `input must be a Float32Array or an image; got ${typeof input}`);
    return checkImage(input);
  }

  // A request queued behind others must not see later writes: copy what it would read at run time.
  #snapshot(subnet: number, input: Float32Array | NativeFrame | undefined): Float32Array | NativeFrame {
    if (input === undefined) return this.#inputViews[subnet]!.slice();
    if (input instanceof Float32Array) return input.slice();
    return { ...input, data: input.data.slice() };
  }
}

const BYTES_PER_PIXEL: Record<PixelFormat, number> = { gray: 1, rgb: 3, bgr: 3, rgba: 4, bgra: 4 };

function checkImage(image: ImageInput): NativeFrame {
  const { data, width, height, format, stride } = image;
  if (!ArrayBuffer.isView(data) || Object.prototype.toString.call(data) !== '[object Uint8Array]') {
    throw new InputError('E_INPUT_TYPE', 'image.data must be a Uint8Array or Buffer');
  }
  if (!(format in BYTES_PER_PIXEL)) {
    throw new InputError('E_INPUT_TYPE', `image.format must be one of ${Object.keys(BYTES_PER_PIXEL).join(', ')}; got ${JSON.stringify(format)}`);
  }
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65536) throw new InputError('E_INPUT_SHAPE', `image.${name} must be an integer in [1, 65536]; got ${value}`);
  }
  const rowBytes = width * BYTES_PER_PIXEL[format];
  const rowStride = stride ?? rowBytes;
  if (!Number.isSafeInteger(rowStride) || rowStride < rowBytes) {
    throw new InputError('E_INPUT_SHAPE', `image.stride must be an integer of at least a row (${rowBytes} bytes); got ${rowStride}`);
  }
  const needed = rowStride * (height - 1) + rowBytes;
  if (data.length < needed) {
    throw new InputError('E_INPUT_SHAPE', `image.data has ${data.length} bytes; a ${width}x${height} ${format} image with stride ${rowStride} needs ${needed}`);
  }
  const frame: NativeFrame = { data, width, height, format };
  if (stride !== undefined) frame.stride = stride;
  return frame;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

// The addon's bounds for these options (binding/napi/load_family.cc asserts them).
const MAX_THREADS = 1024;
const MAX_WARMUP_RUNS = 1000;

/**
 * Loads a family: every sub-network becomes resident on `device`, bound to one shared input and output buffer
 * and warmed up. `source` is a family folder, a family.json path, or `{ manifest, dir }`.
 */
export async function loadFamily(source: string | { manifest: unknown; dir: string }, options: LoadOptions = {}): Promise<DynamicModel> {
  const device = options.device ?? 'cpu';
  assertDeviceAvailable(device);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > MAX_THREADS)) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `threads must be an integer in [1, ${MAX_THREADS}]; got ${options.threads}`);
  }
  const warmupRuns = options.warmupRuns ?? 5;
  if (!Number.isInteger(warmupRuns) || warmupRuns < 1 || warmupRuns > MAX_WARMUP_RUNS) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `warmupRuns must be an integer in [1, ${MAX_WARMUP_RUNS}]; got ${warmupRuns}`);
  }
  const family = loadManifest(source);
  const { manifest, dir } = family;
  const modelFiles = await modelsForDevice(family, device, options);
  const copyBuffers = options.copyBuffers ?? process.env.DYNAMIC_OFA_NO_EXTERNAL_BUFFERS === '1';
  const target = nativeTarget(device);
  let native: NativeFamily;
  try {
    native = await getBinding().loadFamily({
      ...modelFiles,
      ...target,
      ...(target.backend === 'onnxruntime' ? { ortLibrary: resolveOrtLibrary() } : {}),
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      warmupRuns,
      channels: manifest.input.channels,
      format: manifest.input.format,
      mean: manifest.input.mean,
      std: manifest.input.std,
      externalBuffers: !copyBuffers,
    });
  } catch (error) {
    throw fromNative(error);
  }
  // The manifest's resolutions must be what the models really take (preprocessing resizes to the model's).
  const info = native.subnetInfo();
  const mismatched = manifest.subnets.flatMap((s, i) => {
    const [, , height, width] = info[i]!.input.shape;
    return s.resolution !== undefined && (s.resolution !== height || s.resolution !== width)
      ? [{ path: `/subnets/${i}/resolution`, message: `is ${s.resolution}; ${s.model} takes ${height}x${width}` }]
      : [];
  });
  if (mismatched.length > 0) {
    native.close();
    throw new FamilyInvalidError(family.file, mismatched);
  }
  const profiled = profiledLatencies(family, device, options.threads, options.cache);
  const latencies = profiled ?? info.map((s) => s.warmupMs);
  return new DynamicModel(native, manifest, dir, device, latencies, profiled ? 'profile' : 'warmup');
}
