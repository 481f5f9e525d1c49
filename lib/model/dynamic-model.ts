/**
 * DynamicModel: a whole sub-network family resident on one device (a model), switched by index, run off the event
 * loop.
 */
import * as os from 'node:os';

import type { Device } from '../devices/devices';
import { DynamicOfaError } from '../errors';
import type { AccuracyRecord, FamilyManifest, ModelPrecision, OfaConfig } from '../family/manifest';
import type { Image } from '../image/image';
import type { ContentionSample } from '../manager/types';
import { type NativeInput, type NativeModel, SHARED_INPUT, TIMING } from '../native/addon';
import { type ContentionSensor, sensorFor } from '../sensing/sensors';
import { assertOpen, checkInlineOption, checkInput, checkOptionsObject, checkSignalOption, elementCount, resolveSubnet } from './input-checks';

/** What a model infers on: the sub-network's float input, or an 8-bit image it preprocesses natively. */
export type ModelInput = Float32Array | Image;

export interface SubnetInfo {
  index: number;
  id: string;
  /** Top-1 in percent (the manifest's accuracy value). */
  accuracy: number;
  accuracyInfo: AccuracyRecord;
  /** Arithmetic of the model file (family.json `precision`, default fp32). */
  precision: ModelPrecision;
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
  /** What it costs in host memory (docs/memory.md). */
  memory: Readonly<SubnetMemory>;
}

/**
 * What a sub-network costs in host memory, measured at load (docs/memory.md). The heap figures are what the process's
 * C heap grew by meanwhile (glibc's count; 0 elsewhere), so they are close, not exact, when other threads allocate.
 */
export interface SubnetMemory {
  /** Its model file: the ONNX file, or on a TensorRT device its engine file. */
  modelFileBytes: number;
  /** Heap growth while it loaded: its weights as the runtime keeps them (ONNX Runtime: after graph optimization). */
  loadHeapBytes: number;
  /** Heap growth during its first run: its share of the activation arena beyond what earlier sub-networks left. */
  firstRunHeapBytes: number;
  /** With shared weights (`DynamicModel.weightSharing`): its model's weights, and those an earlier sub-network already held (0 otherwise). */
  weightBytes: number;
  reusedWeightBytes: number;
}

/** Whether a model's sub-networks share their weights, and what they hold (docs/memory.md). */
export interface WeightSharing {
  /** Loaded from pre-optimized models with every distinct weight held once. */
  enabled: boolean;
  /** Why not, when not: 'turned off', 'not on the CPU', or what failed (also in the warning). */
  reason?: string;
  /** The weights of all sub-networks' models, summed (0 when not enabled). */
  weightBytes: number;
  /** The distinct weights held (0 when not enabled). */
  heldWeightBytes: number;
  /** Time spent making optimized models that were missing or stale during this load, ms. */
  optimizeMs: number;
}

/** How long {@link loadFamily} took for this model. */
export interface LoadTime {
  /** From the call to the resolved model, ms: manifest, engines (built or from the cache), load, warm-up. */
  totalMs: number;
  /** The part spent building TensorRT engines that were missing or stale, ms (0 when none was built). */
  engineBuildMs: number;
  /** The part spent making the CPU's optimized models for shared weights that were missing or stale, ms (0 when none was made). */
  optimizeMs: number;
}

export interface InferOptions {
  /** Run this sub-network instead of the active one. */
  subnet?: number | string;
  /** Return the shared output view instead of a copy; it is overwritten by the next inference. */
  sharedOutput?: boolean;
  /** true: run on the calling thread, false: on the model's thread; default: see `LoadOptions.inlineBelowMs`. */
  inline?: boolean;
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
  /** True when it ran on the calling thread (see `LoadOptions.inlineBelowMs`), false on the model's thread. */
  inline: boolean;
}

export interface WarmOptions {
  /** Aborting skips the warm-up if it has not started yet. */
  signal?: AbortSignal;
}

export interface WarmResult {
  /** True when the sub-network ran; false when the warm-up was skipped before it started. */
  warmed: boolean;
  subnet: number;
  /** Native latency of the warm-up run, ms (NaN when skipped). */
  latencyMs: number;
  /** Why it was skipped: an inference was requested meanwhile ('superseded'), or the signal aborted. */
  skipped?: 'superseded' | 'aborted';
  /** True when it ran on the calling thread, as infer() would have. */
  inline: boolean;
}

/** Accelerator memory a model holds besides its engines' weights (0 on the CPU). */
export interface FamilyDeviceMemory {
  /** The one block of activation memory every sub-network's TensorRT context shares (sized for the largest). */
  sharedActivationBytes: number;
  /** What the contexts would hold if each owned its own (the sum over sub-networks), for comparison. */
  separateActivationBytes: number;
  /** The shared input and output buffers. */
  ioBytes: number;
  /** The accelerator reads and writes the shared buffers in place (mapped host memory: Jetson, or DYNAMIC_OFA_TRT_ZERO_COPY=1). */
  zeroCopy: boolean;
  /** Sub-networks whose runs replay a captured CUDA graph (DYNAMIC_OFA_TRT_CUDA_GRAPH=1 on the GPU). */
  cudaGraphs: number;
}

// Models still open when the process exits: their run threads are stopped and their sessions released before ONNX
// Runtime's statics are torn down, so neither an inference nor one of its threads is running then (process.exit()
// runs no env cleanup hook, where the addon does the same). Weak: a dropped model can still be collected.
const openModels = new Set<WeakRef<NativeModel>>();
const forgetCollected = new FinalizationRegistry<WeakRef<NativeModel>>((ref) => openModels.delete(ref));
let exitHookInstalled = false;
function trackOpen(native: NativeModel): WeakRef<NativeModel> {
  const ref = new WeakRef(native);
  openModels.add(ref);
  forgetCollected.register(native, ref);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const model of openModels) model.deref()?.shutdown();
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
  /** Accelerator memory held besides the engines' weights. */
  readonly deviceMemory: Readonly<FamilyDeviceMemory>;
  /** How long loading took. */
  readonly loadTime: Readonly<LoadTime>;
  /** Whether the sub-networks hold each distinct weight once (CPU, `LoadOptions.shareWeights`), and what they hold. */
  readonly weightSharing: Readonly<WeightSharing>;
  readonly #native: NativeModel;
  readonly #timings: Float64Array;
  readonly #openRef: WeakRef<NativeModel>;
  readonly #inputViews: Float32Array[];
  readonly #output: Float32Array;
  readonly #ids: Map<string, number>;
  readonly #inlineBelowMs: number;
  #active: number;
  #pending = 0;
  // Inferences requested so far: a queued warm-up that sees it change was superseded by an inference.
  #requests = 0;
  #tail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #sensor: ContentionSensor | undefined;
  // The CPU's inference threads, for the sensor's count of tasks that would wait (0 asked: all cores)
  readonly #threads: number;
  // Inference time since the last contention() call, ms: what the sensor's work budget weighs a sample against.
  #workMs = 0;

  /** @internal use {@link loadFamily}; `subnetInfo`: what `native.subnetInfo()` returned (loadFamily has read it). */
  constructor(
    native: NativeModel,
    manifest: FamilyManifest,
    dir: string,
    device: Device,
    measured: { latencies: number[]; latencySource: SubnetInfo['latencySource']; memory: SubnetMemory[]; loadTime: LoadTime; weightSharing: WeightSharing; threads: number },
    inlineBelowMs: number,
    subnetInfo: ReturnType<NativeModel['subnetInfo']>,
  ) {
    this.#native = native;
    this.#timings = native.timings;
    this.#inlineBelowMs = inlineBelowMs;
    this.#threads = measured.threads || os.availableParallelism();
    this.#openRef = trackOpen(native);
    this.manifest = manifest;
    this.dir = dir;
    this.device = device;
    this.inputBuffer = new Float32Array(native.inputBuffer);
    this.loadTime = Object.freeze({ ...measured.loadTime });
    this.weightSharing = Object.freeze({ ...measured.weightSharing });
    const memory = native.deviceMemory();
    this.deviceMemory = Object.freeze({
      sharedActivationBytes: memory.sharedActivationBytes,
      separateActivationBytes: subnetInfo.reduce((sum, s) => sum + s.activationBytes, 0),
      ioBytes: memory.inputBytes + memory.outputBytes,
      zeroCopy: memory.mappedBuffers,
      cudaGraphs: memory.cudaGraphs,
    });
    this.#output = new Float32Array(native.outputBuffer);
    this.subnets = Object.freeze(
      manifest.subnets.map((s, index): SubnetInfo => {
        const tensors = subnetInfo[index]!;
        return Object.freeze({
          index,
          id: s.id,
          accuracy: s.accuracy.value,
          accuracyInfo: s.accuracy,
          precision: s.precision ?? 'fp32',
          latencyMs: measured.latencies[index]!,
          latencySource: measured.latencySource,
          referenceLatencyMs: Object.freeze({ ...(s.latencyMs ?? {}) }),
          inputShape: Object.freeze([...tensors.input.shape]),
          outputShape: Object.freeze([...tensors.output.shape]),
          resolution: tensors.input.shape[3]!,
          ...(s.config ? { config: s.config } : {}),
          ...(s.macs !== undefined ? { macs: s.macs } : {}),
          ...(s.params !== undefined ? { params: s.params } : {}),
          memory: Object.freeze({ ...measured.memory[index]! }),
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

  /** The active sub-network's input, as a view of the shared native input buffer: write an input here. */
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
   * Runs one inference. `input`: a Float32Array of the sub-network's input size, an 8-bit image, or omitted to use
   * what was written into {@link DynamicModel.input}. Requests are served in order, each on the sub-network that
   * was active when it was made (or `options.subnet`), with its input as it was then. Bad arguments throw
   * synchronously; failures while running reject. Where it runs: `LoadOptions.inlineBelowMs`.
   */
  infer(input?: ModelInput, options?: InferOptions): Promise<InferenceResult> {
    this.#assertOpen();
    options = checkOptionsObject('infer options', options) as InferOptions;
    const subnet = options.subnet === undefined ? this.#active : this.#resolve(options.subnet);
    let nativeInput = this.#checkInput(subnet, input);
    const inline = checkInlineOption(options.inline) ?? this.#runsInline(subnet);
    const sharedOutput = options.sharedOutput === true;
    this.#requests++;
    if (inline && this.#pending === 0) return this.#enqueue(() => this.#runInline(subnet, nativeInput, sharedOutput));
    if (this.#pending > 0) nativeInput = this.#snapshot(subnet, nativeInput);
    return this.#enqueue(async () => {
      await this.#native.run(subnet, ...nativeInput);
      return this.#result(subnet, sharedOutput, false);
    });
  }

  // Runs now, on this thread; settles from the event loop's check phase, as a run on the model's thread would
  // settle from its poll phase, so awaiting callers in a loop still let timers and I/O in between.
  #runInline(subnet: number, input: NativeInput, sharedOutput: boolean): Promise<InferenceResult> {
    let settle: (resolve: (r: InferenceResult) => void, reject: (e: unknown) => void) => void;
    try {
      this.#native.runSync(subnet, ...input);
      const result = this.#result(subnet, sharedOutput, true);
      settle = (resolve) => resolve(result);
    } catch (error) {
      settle = (_, reject) => reject(error);
    }
    return new Promise((resolve, reject) => setImmediate(() => settle(resolve, reject)));
  }

  /**
   * Runs a sub-network once and throws its result away, so that the first frame after a switch to it finds its
   * weights in the caches, as a sub-network that ran on the previous frame does (in a paced loop, call it in the
   * idle time before that frame; `RuntimeManager.warmUpcoming()` knows which sub-network is next). It reads the
   * shared input as it is, and the shared output view holds the last inference's output again once it settles.
   * It waits its turn like an inference and runs where one would; until it starts it is cancellable: skipped when
   * an inference is requested meanwhile or `options.signal` aborts.
   */
  warm(subnet: number | string, options?: WarmOptions): Promise<WarmResult> {
    this.#assertOpen();
    options = checkOptionsObject('warm options', options) as WarmOptions;
    const index = this.#resolve(subnet);
    const signal = checkSignalOption(options.signal);
    const requested = this.#requests;
    const inline = this.#runsInline(index);
    return this.#enqueue(async (): Promise<WarmResult> => {
      const skipped = signal?.aborted ? 'aborted' : this.#requests !== requested ? 'superseded' : undefined;
      if (skipped) return { warmed: false, subnet: index, latencyMs: Number.NaN, skipped, inline: false };
      const lastOutput = this.#output.slice();
      const onThisThread = inline && this.#pending === 1;
      try {
        if (onThisThread) this.#native.runSync(index, ...SHARED_INPUT);
        else await this.#native.run(index, ...SHARED_INPUT);
        return { warmed: true, subnet: index, latencyMs: this.#timings[TIMING.latencyMs]!, inline: onThisThread };
      } finally {
        this.#output.set(lastOutput);
      }
    });
  }

  /**
   * This device's contention signals since the last call, or null when there is nothing new (no signal here, or
   * skipped to bound the sampling cost: within 2 % of the time and 3 % of the inference time since the last
   * sample): what `RuntimeManager` samples before each decision (docs/api-guide.md, "Sensing contention"). The
   * sensor (`sensorFor(device)`, lib/sensing) is made at the first call.
   */
  contention(): ContentionSample | null {
    const sensor = this.sensor;
    const work = this.#workMs;
    this.#workMs = 0;
    return sensor.sample(work > 0 ? work : undefined); // no inference since: the time budget only
  }

  /** The sensor behind `contention()`: its signals and its sampling cost so far. */
  get sensor(): ContentionSensor {
    this.#assertOpen();
    this.#sensor ??= sensorFor(this.device, { threads: this.#threads });
    return this.#sensor;
  }

  /** Synchronous inference on the calling thread (benchmarks, worker_threads). Throws while async work is pending. */
  inferSync(input?: ModelInput, options?: InferOptions): InferenceResult {
    this.#assertOpen();
    options = checkOptionsObject('infer options', options) as InferOptions;
    const subnet = options.subnet === undefined ? this.#active : this.#resolve(options.subnet);
    const nativeInput = this.#checkInput(subnet, input);
    if (this.#pending > 0) throw new DynamicOfaError('E_BUSY', 'inferSync while async inferences are pending; await them first');
    this.#requests++;
    this.#native.runSync(subnet, ...nativeInput);
    return this.#result(subnet, options.sharedOutput === true, true);
  }

  /** Waits for queued inferences, then frees every session. Views stay readable; everything else throws E_CLOSED. */
  close(): Promise<void> {
    this.#closing ??= this.#tail.then(() => {
      this.#sensor?.close();
      this.#native.close();
      openModels.delete(this.#openRef);
    });
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // The result of the run that just settled: its output, and the timings the addon wrote.
  #result(subnet: number, shared: boolean, inline: boolean): InferenceResult {
    const timings = this.#timings;
    this.#workMs += timings[TIMING.latencyMs]!;
    const result: InferenceResult = {
      output: shared ? this.#output : this.#output.slice(),
      subnet,
      id: this.subnets[subnet]!.id,
      latencyMs: timings[TIMING.latencyMs]!,
      preprocessMs: timings[TIMING.preprocessMs]!,
      inline,
    };
    const deviceMs = timings[TIMING.deviceMs]!;
    if (deviceMs >= 0) result.deviceMs = deviceMs;
    return result;
  }

  // The one queue of runs (the addon takes one at a time): the next starts when the previous settled. An idle model
  // starts the job at once.
  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#pending++ === 0 ? job() : this.#tail.then(job);
    const settled = (): void => {
      this.#pending--;
    };
    this.#tail = run.then(settled, settled);
    return run;
  }

  #runsInline(subnet: number): boolean {
    return this.subnets[subnet]!.latencyMs <= this.#inlineBelowMs;
  }

  #assertOpen(): void {
    assertOpen(this.#closing !== undefined, this.manifest.name);
  }

  #resolve(subnet: number | string): number {
    return resolveSubnet(subnet, this.#ids, this.manifest.name);
  }

  #checkInput(subnet: number, input: ModelInput | undefined): NativeInput {
    return checkInput(input, this.subnets[subnet]!, this.inputBuffer);
  }

  // A request queued behind others must not see later writes: copy what it would read at run time (a Uint8Array
  // copied with its constructor: a Buffer's slice() would share its memory).
  #snapshot(subnet: number, input: NativeInput): NativeInput {
    const [floats, image, width, height, format, stride] = input;
    if (image) return [null, new Uint8Array(image), width, height, format, stride];
    return [(floats ?? this.#inputViews[subnet]!).slice(), null, 0, 0, 'gray', 0];
  }
}
