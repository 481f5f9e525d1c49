// The gst-launch-1.0 command line: the source converted and scaled to the asked frames, or a whole pipeline;
// descriptions split as a shell would; bad options named.
import { frameLayout, gstLaunchArgs, splitDescription } from '../../lib/gstreamer';
import { GstOutput } from '../../lib/gstreamer/gst-output';
import { capsMismatch, sinkCapsOf } from '../../lib/gstreamer/sink-caps';

describe('pipeline description', () => {
  it('a source is converted, scaled (and rated) to raw frames of the asked size and format, then sent to fd 3', () => {
    expect(gstLaunchArgs({ source: 'v4l2src device=/dev/video0', width: 224, height: 160, format: 'bgr' })).toEqual([
      '-v', 'v4l2src', 'device=/dev/video0', '!', 'videoconvert', '!', 'videoscale', '!', 'video/x-raw,format=BGR,width=224,height=160', '!', 'fdsink', 'name=dynamicofasink', 'fd=3',
    ]);
    expect(gstLaunchArgs({ source: 'videotestsrc', width: 8, height: 8, format: 'gray', fps: 15 }).slice(4, 10)).toEqual(['!', 'videoscale', '!', 'videorate', '!', 'video/x-raw,format=GRAY8,width=8,height=8,framerate=15/1']);
  });

  it('a whole pipeline gets only the sink; quotes are read as a shell reads them', () => {
    expect(gstLaunchArgs({ pipeline: `nvarguscamerasrc ! 'video/x-raw(memory:NVMM),width=1280' ! nvvidconv ! "video/x-raw,format=RGBA"`, width: 1280, height: 720, format: 'rgba' })).toEqual([
      '-v', 'nvarguscamerasrc', '!', 'video/x-raw(memory:NVMM),width=1280', '!', 'nvvidconv', '!', 'video/x-raw,format=RGBA', '!', 'fdsink', 'name=dynamicofasink', 'fd=3',
    ]);
    expect(splitDescription(`a  b\\ c "d 'e'" '' f\\"`)).toEqual(['a', 'b c', "d 'e'", '', 'f"']);
  });

  it('a description that is not a string is E_INVALID_ARGUMENT', () => {
    expect(() => splitDescription(null as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'a pipeline description must be a string; got null' }));
  });

  it('bad options are E_INVALID_ARGUMENT naming the option', () => {
    const cases: [object, RegExp][] = [
      [{ width: 8, height: 8 }, /either source .* or pipeline/],
      [{ source: 'a', pipeline: 'b', width: 8, height: 8 }, /not both/],
      [{ source: ' ', width: 8, height: 8 }, /source must be a non-empty/],
      [{ source: 'videotestsrc', width: 0, height: 8 }, /width must be an integer/],
      [{ source: 'videotestsrc', width: 8, height: 8.5 }, /height must be an integer/],
      [{ source: 'videotestsrc', width: 8, height: 8, format: 'yuv' }, /format must be one of gray, rgb/],
      [{ source: 'videotestsrc', width: 8, height: 8, fps: 0 }, /fps must be an integer/],
      [{ pipeline: 'videotestsrc', width: 8, height: 8, fps: 30 }, /fps goes with source/],
      [{ source: 'videotestsrc "x', width: 8, height: 8 }, /unclosed " quote/],
    ];
    for (const [options, message] of cases) {
      expect(() => gstLaunchArgs(options as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(message) }));
    }
  });

  it("frames are laid out as GStreamer does: rows padded to 4 bytes", () => {
    expect(frameLayout(62, 48, 'rgb')).toEqual({ width: 62, height: 48, format: 'rgb', stride: 188, frameBytes: 188 * 48 });
    expect(frameLayout(5, 2, 'gray')).toMatchObject({ stride: 8, frameBytes: 16 });
    expect(frameLayout(5, 2, 'bgra')).toMatchObject({ stride: 20, frameBytes: 40 });
    // a bad size or format is refused, not laid out as NaN bytes
    expect(() => frameLayout(null as never, 2, 'rgb')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'width must be an integer number of pixels in [1, 16384]; got null' }));
    expect(() => frameLayout(5, 2.5, 'rgb')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/^height must be/) }));
    expect(() => frameLayout(5, 2, 'yuv' as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'format must be one of gray, rgb, bgr, rgba, bgra; got "yuv"' }));
  });

  it("the sink's caps are read from whole lines of -v output and compared with the layout", () => {
    const sink = '/GstPipeline:pipeline0/GstFdSink:dynamicofasink.GstPad:sink: caps = video/x-raw, width=(int)32, height=(int)24, framerate=(fraction)30/1, format=(string)RGB';
    const caps = sinkCapsOf(sink)!;
    expect(caps).toMatchObject({ media: 'video/x-raw', width: 32, height: 24, format: 'RGB' });
    expect(capsMismatch(caps, frameLayout(32, 24, 'rgb'))).toBeNull();
    expect(capsMismatch(caps, frameLayout(64, 48, 'rgb'))).toMatch(/produces video\/x-raw, RGB, 32x24 frames, not the video\/x-raw, RGB, 64x48 asked for/);
    expect(capsMismatch(caps, frameLayout(32, 24, 'bgr'))).toMatch(/not the video\/x-raw, BGR, 32x24/);
    expect(capsMismatch(sinkCapsOf(sink.replace('video/x-raw, width', 'video/x-raw(memory:NVMM), width'))!, frameLayout(32, 24, 'rgb'))).toMatch(/produces video\/x-raw\(memory:NVMM\)/);
    expect(sinkCapsOf(sink.replace('GstFdSink:dynamicofasink', 'GstCapsFilter:capsfilter0').replace(':sink:', ':src:'))).toBeNull();
    expect(sinkCapsOf('Setting pipeline to PAUSED ...')).toBeNull();

    const output = new GstOutput(); // stdout arrives in pieces: only whole lines are read
    expect(output.addOutput(`Setting pipeline to PAUSED ...\n${sink.slice(0, 90)}`)).toEqual(['Setting pipeline to PAUSED ...']);
    expect(output.addOutput(`${sink.slice(90)}\nPipeline is PREROLLED ...`)).toEqual([sink]);
  });

  it("gst-launch's stderr: its last lines kept, the first ERROR or WARNING as the summary, an endless line bounded", () => {
    const output = new GstOutput();
    output.addError('Setting pipeline to PAUSED ...\nERROR: from element /GstPipeline:pipeline0/GstV4l2Src:v4l2src0: Cannot ide');
    output.addError('ntify device\n\n');
    expect(output.summary).toBe('ERROR: from element /GstPipeline:pipeline0/GstV4l2Src:v4l2src0: Cannot identify device'); // one line, in two pieces
    for (let i = 0; i < 60; i++) output.addError(`line ${i}\n`);
    expect(output.text.split('\n')).toHaveLength(50);
    expect(output.text.endsWith('line 59')).toBe(true);
    expect(output.summary).toBe('line 59'); // the ERROR line is no longer among the last 50
    const failing = new GstOutput();
    failing.addError('Setting pipeline to PAUSED ...\nWARNING: erroneous pipeline: no element "v4l2src"\nunfinished');
    expect(failing.summary).toBe('WARNING: erroneous pipeline: no element "v4l2src"');
    expect(failing.text.endsWith('unfinished')).toBe(true);
    const endless = new GstOutput(); // a line that never ends keeps its last 64 KiB
    for (let i = 0; i < 100; i++) endless.addError('x'.repeat(1024));
    expect(endless.text).toHaveLength(64 * 1024);
  });
});
