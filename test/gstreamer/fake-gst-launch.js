#!/usr/bin/env node
'use strict';
// A stand-in for gst-launch-1.0 that needs no GStreamer: it reads key=value words from the pipeline description
// the reader passes it, prints the sink's caps on stdout as `-v` does, writes numbered frames to fd 3 in chunks of
// a chosen size, and exits (or stays until killed). Frame i is filled with the byte (i + 1) & 255.
//   width=W height=H format=RGB caps=yes|no frames=N bytes=B chunk=C extra=E stderr=TEXT exit=CODE stay=yes
//   recaps=WxH (after the frames, caps renegotiated to that size)
const fs = require('node:fs');

const opt = Object.fromEntries(process.argv.slice(2).filter((a) => a.includes('=') && !a.startsWith('name=') && !a.startsWith('fd=')).map((a) => a.split(/=(.*)/s).slice(0, 2)));
const num = (key, fallback) => (opt[key] === undefined ? fallback : Number(opt[key]));

const capsLine = (width, height) => `/GstPipeline:pipeline0/GstFdSink:dynamicofasink.GstPad:sink: caps = video/x-raw, width=(int)${width}, height=(int)${height}, framerate=(fraction)30/1, format=(string)${opt.format ?? 'RGB'}\n`;
if (opt.caps !== 'no') {
  process.stdout.write('Setting pipeline to PAUSED ...\n');
  const line = capsLine(num('width', 64), num('height', 48));
  fs.writeSync(1, line.slice(0, 70)); // a line in two writes: the reader must wait for its end
  fs.writeSync(1, line.slice(70));
}
if (opt.stderr) process.stderr.write(`${opt.stderr.replace(/_/g, ' ')}\n`);

function writeAll(bytes) {
  for (let off = 0; off < bytes.length;) {
    try {
      off += fs.writeSync(3, bytes, off, bytes.length - off);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

const frameBytes = num('bytes', 0);
const stream = [];
for (let i = 0; i < num('frames', 0); i++) stream.push(Buffer.alloc(frameBytes, (i + 1) & 255));
stream.push(Buffer.alloc(num('extra', 0), 0xee));
const all = Buffer.concat(stream);
const chunk = num('chunk', all.length || 1);
for (let off = 0; off < all.length; off += chunk) writeAll(all.subarray(off, off + chunk));

if (opt.recaps) {
  const [width, height] = opt.recaps.split('x').map(Number);
  process.stdout.write(capsLine(width, height));
}
if (opt.stay === 'yes') setInterval(() => undefined, 1000);
else process.exitCode = num('exit', 0);
