// The pipeline reader: frames from a gst-launch-1.0 process as the addon's image input, newest first; typed errors
// when GStreamer is missing, the pipeline does not start, stops, or yields frames of another size; no process left.
// A stand-in gst-launch (fake-gst-launch.js) drives the reader without GStreamer; then real GStreamer runs it.
import * as path from 'node:path';
import { openPipeline, PipelineReader, type PipelineOptions } from '../../lib/gstreamer';
import { describeWithTools, GST_LAUNCH } from '../tools';

const fake = path.join(__dirname, 'fake-gst-launch.js');
const FRAME = 64 * 3 * 48; // 64x48 rgb: rows of 192 bytes, already a multiple of 4

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function fakeReader(words: string, options: Partial<PipelineOptions> = {}): PipelineReader {
  return new PipelineReader({ pipeline: `fake ${words}`, width: 64, height: 48, gstLaunch: fake, ...options });
}

describe('PipelineReader with a stand-in gst-launch', () => {
  it('hands out the frames as images with the layout, the newest first, then says the stream ended', async () => {
    const reader = fakeReader(`frames=3 bytes=${FRAME} chunk=1000`);
    await reader.exited; // all three frames written, the process gone: only the newest waits
    const frame = (await reader.next())!;
    expect(frame.number).toBe(2);
    expect(frame.image).toMatchObject({ width: 64, height: 48, format: 'rgb', stride: 192 });
    expect(frame.image.data.length).toBe(FRAME);
    expect([...new Set(frame.image.data)]).toEqual([3]);
    expect(reader.stats()).toEqual({ received: 3, delivered: 1, dropped: 2 });
    await expect(reader.next()).rejects.toMatchObject({ name: 'PipelineError', code: 'E_PIPELINE_ENDED', message: expect.stringMatching(/end of its stream/), exitCode: 0 });
    await expect(reader.started).resolves.toBeUndefined();
  });

  it('a stream that stops mid-frame is E_FRAME_SIZE, saying how many bytes came', async () => {
    const reader = fakeReader(`frames=2 bytes=${FRAME} extra=100`);
    await reader.exited;
    expect((await reader.next())!.number).toBe(1);
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_FRAME_SIZE', message: expect.stringMatching(`middle of a frame \\(100 of ${FRAME} bytes\\)`) });
  });

  it('a process that exits before a frame is E_PIPELINE_START, with what it printed', async () => {
    const reader = fakeReader('frames=0 exit=1 stderr=WARNING:_erroneous_pipeline:_no_element_nosuch');
    await expect(reader.started).rejects.toMatchObject({ code: 'E_PIPELINE_START', exitCode: 1, message: expect.stringMatching(/did not start \(gst-launch-1.0 exited with code 1\): WARNING: erroneous pipeline: no element nosuch/) });
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_PIPELINE_START' });
  });

  it('frames never count before the caps are seen: without them the pipeline did not start', async () => {
    const reader = fakeReader(`caps=no frames=2 bytes=${FRAME}`);
    await expect(reader.started).rejects.toMatchObject({ code: 'E_PIPELINE_START' });
  });

  it('caps of another size are E_FRAME_SIZE before any frame is handed out, and the process is ended', async () => {
    const reader = fakeReader(`width=32 height=24 frames=1 bytes=${32 * 24 * 3} stay=yes`);
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_FRAME_SIZE', message: expect.stringMatching(/32x24 frames, not the video\/x-raw, RGB, 64x48/) });
    await reader.exited;
    expect(alive(reader.pid)).toBe(false);
  });

  it('caps renegotiated to another size mid-run are E_FRAME_SIZE: no frame is handed out after, the process is ended', async () => {
    const reader = fakeReader(`frames=2 bytes=${FRAME} recaps=32x24 stay=yes`);
    await reader.exited; // killed by the reader: it stays otherwise
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_FRAME_SIZE', message: expect.stringMatching(/32x24 frames, not the video\/x-raw, RGB, 64x48/) });
  });

  it('a missing gst-launch-1.0 is E_DEPENDENCY_MISSING saying what to install', async () => {
    await expect(openPipeline({ source: 'videotestsrc', width: 8, height: 8, gstLaunch: '/nonexistent/gst-launch-1.0' })).rejects.toMatchObject({
      name: 'DependencyMissingError',
      code: 'E_DEPENDENCY_MISSING',
      dependency: 'gst-launch-1.0',
      message: expect.stringMatching(/apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base/),
    });
  });

  it('close() ends the process; next() then resolves null and the iteration ends; one next() at a time', async () => {
    const reader = await openPipeline({ pipeline: `fake frames=1 bytes=${FRAME} stay=yes`, width: 64, height: 48, gstLaunch: fake });
    expect(alive(reader.pid)).toBe(true);
    expect((await reader.next())!.number).toBe(0);
    const waiting = reader.next();
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_BUSY' });
    await reader.close();
    await expect(waiting).resolves.toBeNull();
    expect(alive(reader.pid)).toBe(false);
    const seen = [];
    for await (const frame of reader) seen.push(frame);
    expect(seen).toEqual([]);
    await reader.close(); // twice is fine
  });

  it('leaves nothing behind: ten readers opened and closed, or ended, hold no exit hook and no process', async () => {
    const hooks = process.listenerCount('exit');
    const pids: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++) {
      const open = await openPipeline({ pipeline: `fake frames=1 bytes=${FRAME} stay=yes`, width: 64, height: 48, gstLaunch: fake });
      const ended = fakeReader(`frames=1 bytes=${FRAME}`);
      pids.push(open.pid, ended.pid);
      await open.close();
      await ended.exited;
    }
    expect(process.listenerCount('exit')).toBe(hooks);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('bad options throw at once, before any process starts', () => {
    expect(() => fakeReader('', { width: -1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});

describeWithTools('PipelineReader with GStreamer', [GST_LAUNCH], () => {
  it("videotestsrc's frames arrive as asked: size, format, GStreamer's row padding", async () => {
    const reader = await openPipeline({ source: 'videotestsrc pattern=red', width: 62, height: 48, format: 'rgb' });
    try {
      const { image } = (await reader.next())!;
      expect(image).toMatchObject({ width: 62, height: 48, format: 'rgb', stride: 188 });
      expect(image.data.length).toBe(188 * 48);
      const row = image.data.subarray(188 * 10, 188 * 10 + 62 * 3);
      for (let x = 0; x < 62; x++) expect([row[3 * x], row[3 * x + 1], row[3 * x + 2]]).toEqual([255, 0, 0]);
    } finally {
      await reader.close();
    }
  });

  it('a slow caller gets the newest frame: the ones in between are replaced, not queued', async () => {
    const reader = new PipelineReader({ source: 'videotestsrc num-buffers=40', width: 32, height: 24, format: 'gray' });
    await reader.exited;
    expect((await reader.next())!.number).toBe(39);
    expect(reader.stats()).toEqual({ received: 40, delivered: 1, dropped: 39 });
    await expect(reader.next()).rejects.toMatchObject({ code: 'E_PIPELINE_ENDED' });
  });

  it('an element that does not exist is E_PIPELINE_START naming it; no process is left', async () => {
    const reader = new PipelineReader({ source: 'nosuchelement', width: 8, height: 8 });
    await expect(reader.started).rejects.toMatchObject({ code: 'E_PIPELINE_START', message: expect.stringMatching(/no element "nosuchelement"/) });
    await reader.exited;
    expect(alive(reader.pid)).toBe(false);
  });

  it('a whole pipeline whose frames have another size is E_FRAME_SIZE naming both sizes', async () => {
    await expect(openPipeline({ pipeline: 'videotestsrc ! video/x-raw,format=RGB,width=32,height=24', width: 64, height: 48 })).rejects.toMatchObject({
      code: 'E_FRAME_SIZE',
      message: expect.stringMatching(/produces video\/x-raw, RGB, 32x24 frames, not the video\/x-raw, RGB, 64x48 asked for/),
    });
  });

  it('a pipeline killed while running is E_PIPELINE_ENDED saying how it ended; close() after it is fine', async () => {
    const reader = await openPipeline({ source: 'videotestsrc is-live=true', width: 16, height: 16, fps: 30 });
    await reader.next();
    process.kill(reader.pid!, 'SIGKILL');
    await reader.exited;
    let error: unknown;
    for (;;) {
      try {
        await reader.next(); // a frame that was waiting still comes first
      } catch (e) {
        error = e;
        break;
      }
    }
    expect(error).toMatchObject({ code: 'E_PIPELINE_ENDED', message: expect.stringMatching(/was ended by SIGKILL/) });
    await reader.close();
  });
});
