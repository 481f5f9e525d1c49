/**
 * The caps the sink negotiated, read from gst-launch-1.0's `-v` output: the reader trusts the byte stream only once
 * they say raw frames of the layout it splits by, and stops trusting it if they are renegotiated to anything else.
 */
import { GST_FORMATS, SINK_NAME, type FrameLayout } from './pipeline-description';

export interface SinkCaps {
  /** e.g. 'video/x-raw', 'video/x-raw(memory:NVMM)', 'image/jpeg' */
  readonly media: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly format: string | null;
  /** The caps as GStreamer printed them. */
  readonly text: string;
}

const CAPS_LINE = new RegExp(`GstFdSink:${SINK_NAME}\\.GstPad:sink: caps = (.*)$`);

/** The sink's caps from one whole line of `-v` output, or null when the line is about something else. */
export function sinkCapsOf(line: string): SinkCaps | null {
  const match = CAPS_LINE.exec(line);
  if (!match) return null;
  const text = match[1]!.trim();
  const field = (name: string): string | null => new RegExp(`(?:^|,)\\s*${name}=\\([a-z]+\\)"?([^,"]+)`).exec(text)?.[1] ?? null;
  const number = (name: string): number | null => {
    const v = field(name);
    return v === null ? null : Number(v);
  };
  return { media: text.split(',')[0]!.trim(), width: number('width'), height: number('height'), format: field('format'), text };
}

/** Why frames with these caps do not fit the layout, or null when they do. */
export function capsMismatch(caps: SinkCaps, layout: FrameLayout): string | null {
  const want = `video/x-raw, ${GST_FORMATS[layout.format]}, ${layout.width}x${layout.height}`;
  const got = `${caps.media}, ${caps.format ?? '?'}, ${caps.width ?? '?'}x${caps.height ?? '?'}`;
  if (caps.media !== 'video/x-raw' || caps.format !== GST_FORMATS[layout.format] || caps.width !== layout.width || caps.height !== layout.height) {
    return `the pipeline produces ${got} frames, not the ${want} asked for (caps: ${caps.text})`;
  }
  return null;
}
