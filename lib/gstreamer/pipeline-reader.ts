/**
 * Frames from a GStreamer pipeline: runs gst-launch-1.0 as a child process, splits the raw frames it writes into
 * three reused buffers and hands out the newest as the addon's image input. A frame that arrives while the caller
 * is busy replaces the waiting one; nothing queues. The child ends when the caller closes the reader or the
 * pipeline ends; either way the reader says how (docs/services.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DependencyMissingError, DynamicOfaError, PipelineError } from '../errors';
import type { Image } from '../image/image';
import { NewestFramePool } from './frame-pool';
import { GstOutput } from './gst-output';
import { FRAME_FD, gstLaunchArgs, checkPipelineOptions, type FrameLayout, type PipelineOptions } from './pipeline-description';
import { capsMismatch, sinkCapsOf } from './sink-caps';

/** One frame of the pipeline. Its image is valid until the next call of next(), which reuses its buffer. */
export interface PipelineFrame {
  /** The frame as the addon's image input: pass it to `model.infer()` or `manager.infer()` as it is. */
  readonly image: Image & { readonly stride: number };
  /** 0 for the pipeline's first frame; a gap means newer frames replaced older ones while the caller was busy. */
  readonly number: number;
}

export interface PipelineStats {
  /** Frames the pipeline produced. */
  readonly received: number;
  /** Frames handed out by next(). */
  readonly delivered: number;
  /** Frames replaced by a newer one before anyone took them. */
  readonly dropped: number;
}

/** A child still running this long after close() asked it to end is killed (SIGKILL). */
const KILL_AFTER_MS = 3000;

export class PipelineReader implements AsyncIterable<PipelineFrame> {
  readonly layout: FrameLayout;
  /** The gst-launch-1.0 arguments that run the pipeline. */
  readonly args: readonly string[];
  /** Resolves at the first frame of the expected size; rejects when the pipeline cannot start or its frames do not fit. */
  readonly started: Promise<void>;
  /** Resolves once the gst-launch-1.0 process has exited (or could not be started). */
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private readonly pool: NewestFramePool;
  private readonly output = new GstOutput();
  private capsChecked = false;
  private isStarted = false;
  private hasExited = false;
  private closing = false;
  private failure: DynamicOfaError | null = null;
  private waiter: { resolve: (frame: PipelineFrame | null) => void; reject: (error: unknown) => void } | null = null;
  private settleStart!: (error?: DynamicOfaError) => void;
  private readonly killOnExit = (): void => {
    this.child.kill('SIGKILL');
  };

  /** Starts the pipeline. Bad options throw E_INVALID_ARGUMENT at once; everything else is reported by `started` and next(). */
  constructor(options: PipelineOptions) {
    this.layout = checkPipelineOptions(options);
    this.args = gstLaunchArgs(options);
    this.pool = new NewestFramePool(this.layout.frameBytes);
    this.started = new Promise<void>((resolve, reject) => {
      this.settleStart = (error) => (error ? reject(error) : resolve());
    });
    this.started.catch(() => undefined); // reported through next() too; not an unhandled rejection if nobody awaits it
    const program = options.gstLaunch ?? 'gst-launch-1.0';
    this.child = spawn(program, this.args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.onExit(code, signal);
      resolve();
    }));
    // A process that ends without closing the reader takes its pipeline with it.
    process.once('exit', this.killOnExit);
    this.child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        this.fail(new DependencyMissingError('gst-launch-1.0', `${program} was not found: install GStreamer's command-line tools (Debian, Ubuntu: apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base; a Jetson has them with JetPack)`, { cause: error }));
      } else {
        this.fail(new PipelineError('E_PIPELINE_START', `could not run ${program}: ${error.message}`));
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => this.output.addError(text));
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => this.onOutput(text));
    (this.child.stdio[FRAME_FD] as Readable).on('data', (chunk: Buffer) => {
      if (this.failure || this.closing) return;
      if (this.pool.write(chunk) > 0) this.deliver();
    });
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  stats(): PipelineStats {
    return { received: this.pool.received, delivered: this.pool.delivered, dropped: this.pool.dropped };
  }

  /**
   * The newest frame not yet handed out, waiting for one when none is there. Resolves null once the reader is
   * closed; rejects with a PipelineError (or E_DEPENDENCY_MISSING) when the pipeline failed or ended. One call
   * at a time (E_BUSY otherwise).
   */
  next(): Promise<PipelineFrame | null> {
    if (this.closing) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new DynamicOfaError('E_BUSY', 'next() is already waiting for a frame; call it again once that call has settled'));
    const frame = this.take();
    if (frame) return Promise.resolve(frame);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<PipelineFrame> {
    for (let frame = await this.next(); frame; frame = await this.next()) yield frame;
  }

  /** Ends the pipeline (SIGTERM, then SIGKILL if it lingers) and resolves once its process has exited. */
  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.settleWaiter(null);
      if (!this.isStarted) this.settleStart(new PipelineError('E_PIPELINE_ENDED', 'the reader was closed before the pipeline produced a frame'));
      if (!this.hasExited) {
        this.child.kill('SIGTERM');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
        await this.exited;
        clearTimeout(timer);
      }
    }
    await this.exited;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private take(): PipelineFrame | null {
    if (!this.capsChecked) return null;
    const pooled = this.pool.take();
    if (!pooled) return null;
    const { width, height, format, stride } = this.layout;
    return { image: { data: pooled.data, width, height, format, stride }, number: pooled.number };
  }

  /** Checks every caps line of the sink: the first lets frames through, any later one must say the same layout. */
  private onOutput(text: string): void {
    if (this.failure) return;
    for (const line of this.output.addOutput(text)) {
      const caps = sinkCapsOf(line);
      if (!caps) continue;
      const mismatch = capsMismatch(caps, this.layout);
      if (mismatch) {
        this.capsChecked = false; // a frame waiting now may be of either size: none is handed out
        this.fail(new PipelineError('E_FRAME_SIZE', mismatch));
        this.child.kill('SIGTERM');
        return;
      }
      this.capsChecked = true;
    }
    this.deliver();
  }

  private deliver(): void {
    if (!this.capsChecked || !this.pool.hasFrame) return;
    if (!this.isStarted) {
      this.isStarted = true;
      this.settleStart();
    }
    if (this.waiter) this.settleWaiter(this.take());
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.hasExited = true;
    process.removeListener('exit', this.killOnExit);
    if (this.closing || this.failure) {
      if (this.failure) this.fail(this.failure);
      return;
    }
    const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
    const said = this.output.summary ? `: ${this.output.summary}` : '';
    const details = { gstOutput: this.output.text, exitCode: code };
    if (!this.isStarted) {
      this.fail(new PipelineError('E_PIPELINE_START', `the pipeline did not start (gst-launch-1.0 ${how})${said}`, details));
    } else if (this.pool.partialBytes > 0) {
      this.fail(new PipelineError('E_FRAME_SIZE', `the pipeline stopped in the middle of a frame (${this.pool.partialBytes} of ${this.layout.frameBytes} bytes); gst-launch-1.0 ${how}${said}`, details));
    } else if (code === 0) {
      this.fail(new PipelineError('E_PIPELINE_ENDED', 'the pipeline reached the end of its stream (gst-launch-1.0 exited with code 0)', details));
    } else {
      this.fail(new PipelineError('E_PIPELINE_ENDED', `the pipeline stopped (gst-launch-1.0 ${how})${said}`, details));
    }
  }

  /** Records the first failure; the start and a waiting next() learn of it (a frame already waiting is still handed out first). */
  private fail(error: DynamicOfaError): void {
    this.failure ??= error;
    if (!this.isStarted) this.settleStart(this.failure);
    if (this.waiter && !(this.capsChecked && this.pool.hasFrame)) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(this.failure);
    }
  }

  private settleWaiter(frame: PipelineFrame | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve(frame);
  }
}

/** Starts a pipeline and resolves once its first frame is there; on failure its process is gone before the rejection. */
export async function openPipeline(options: PipelineOptions): Promise<PipelineReader> {
  const reader = new PipelineReader(options);
  try {
    await reader.started;
    return reader;
  } catch (error) {
    await reader.close();
    throw error;
  }
}
