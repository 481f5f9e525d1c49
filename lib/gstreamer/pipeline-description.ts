/**
 * The gst-launch-1.0 command line for a camera pipeline: the caller's source (or whole pipeline), converted and
 * scaled to raw frames of the asked size and pixel format, written to file descriptor 3 by a named fdsink.
 * Frames go to fd 3, not stdout, because gst-launch's `-v` prints the negotiated caps on stdout, which is how the
 * reader checks the frame size before it trusts a byte (docs/services.md).
 */
import { InvalidArgumentError } from '../errors';
import { BYTES_PER_PIXEL, isPixelFormat, PIXEL_FORMATS, type PixelFormat } from '../image/image';
import { describeValue } from '../util/describe-value';

export interface PipelineOptions {
  /**
   * The source part of a pipeline, as written after gst-launch-1.0 in a shell: `videotestsrc is-live=true`,
   * `v4l2src device=/dev/video0`, `nvarguscamerasrc ! nvvidconv`. The reader appends the conversion to
   * `width` x `height` in `format` and the sink. Give `source` or `pipeline`.
   */
  readonly source?: string;
  /**
   * A whole pipeline of your own, which must end producing raw frames (`video/x-raw`) of `width` x `height` in
   * `format`; the reader appends only the sink. A frame of another size or format is an E_FRAME_SIZE error.
   */
  readonly pipeline?: string;
  readonly width: number;
  readonly height: number;
  /** Default 'rgb'. */
  readonly format?: PixelFormat;
  /** With `source`: a frame rate to convert to (adds videorate); default: the source's own. */
  readonly fps?: number;
  /** The gst-launch-1.0 program; default 'gst-launch-1.0' on the PATH. */
  readonly gstLaunch?: string;
}

/** The sink's element name, so the reader finds its caps in gst-launch's `-v` output. */
export const SINK_NAME = 'dynamicofasink';
/** The file descriptor the sink writes frames to (stdio[3] of the child). */
export const FRAME_FD = 3;
const MAX_SIDE = 16384;

/** GStreamer's name of each pixel format the addon reads. */
export const GST_FORMATS: Readonly<Record<PixelFormat, string>> = Object.freeze({ gray: 'GRAY8', rgb: 'RGB', bgr: 'BGR', rgba: 'RGBA', bgra: 'BGRA' });

/** The bytes of one raw frame as GStreamer lays it out: rows padded to 4 bytes (its default stride). */
export interface FrameLayout {
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  /** Bytes per row. */
  readonly stride: number;
  /** Bytes per frame: stride x height. */
  readonly frameBytes: number;
}

/** The layout of a width x height frame in `format`. Throws E_INVALID_ARGUMENT naming a bad size or format. */
export function frameLayout(width: number, height: number, format: PixelFormat): FrameLayout {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) throw bad(`${name} must be an integer number of pixels in [1, ${MAX_SIDE}]; got ${describeValue(value)}`);
  }
  if (!isPixelFormat(format)) throw bad(`format must be one of ${PIXEL_FORMATS.join(', ')}; got ${describeValue(format)}`);
  const stride = Math.ceil((width * BYTES_PER_PIXEL[format]) / 4) * 4;
  return { width, height, format, stride, frameBytes: stride * height };
}

/**
 * Splits a pipeline description into arguments as a shell would (whitespace separates; '...' and "..." quote and
 * are removed; a backslash escapes the next character), so a description copied from a working shell command runs
 * the same. No shell runs it.
 */
export function splitDescription(text: string): string[] {
  if (typeof text !== 'string') throw new InvalidArgumentError('E_INVALID_ARGUMENT', `a pipeline description must be a string; got ${describeValue(text)}`);
  const args: string[] = [];
  let current = '';
  let started = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) current += text[++i];
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (quote) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `the pipeline description has an unclosed ${quote} quote: ${text}`);
  if (started) args.push(current);
  return args;
}

function bad(message: string): InvalidArgumentError {
  return new InvalidArgumentError('E_INVALID_ARGUMENT', message);
}

/** Checks the options; returns the frame layout they ask for. Throws E_INVALID_ARGUMENT naming the bad option. */
export function checkPipelineOptions(options: PipelineOptions): FrameLayout {
  if (options === null || typeof options !== 'object') throw bad("pipeline options must be an object such as { source: 'videotestsrc', width: 224, height: 224 }");
  const { source, pipeline, width, height, fps } = options;
  const format = options.format ?? 'rgb';
  if ((source === undefined) === (pipeline === undefined)) throw bad('give either source (a GStreamer source such as v4l2src) or pipeline (a whole pipeline of your own), not both or neither');
  const description = source ?? pipeline;
  if (typeof description !== 'string' || description.trim() === '') throw bad(`${source !== undefined ? 'source' : 'pipeline'} must be a non-empty GStreamer pipeline description`);
  const layout = frameLayout(width, height, format);
  if (fps !== undefined) {
    if (pipeline !== undefined) throw bad('fps goes with source; a whole pipeline sets its own frame rate');
    if (!Number.isInteger(fps) || fps < 1 || fps > 1000) throw bad(`fps must be an integer in [1, 1000]; got ${String(fps)}`);
  }
  if (options.gstLaunch !== undefined && (typeof options.gstLaunch !== 'string' || options.gstLaunch === '')) throw bad('gstLaunch must be the path or name of gst-launch-1.0');
  return layout;
}

/** The arguments of gst-launch-1.0 for the options (checked first). */
export function gstLaunchArgs(options: PipelineOptions): string[] {
  const { width, height, format } = checkPipelineOptions(options);
  const sink = ['!', 'fdsink', `name=${SINK_NAME}`, `fd=${FRAME_FD}`];
  if (options.pipeline !== undefined) return ['-v', ...splitDescription(options.pipeline), ...sink];
  const rate = options.fps === undefined ? [] : ['!', 'videorate'];
  const caps = `video/x-raw,format=${GST_FORMATS[format]},width=${width},height=${height}${options.fps === undefined ? '' : `,framerate=${options.fps}/1`}`;
  return ['-v', ...splitDescription(options.source!), '!', 'videoconvert', '!', 'videoscale', ...rate, '!', caps, ...sink];
}
