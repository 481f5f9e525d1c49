'use strict';
// The labelled sample a family ships (family.json "sample"): raw uint8 images and labels.
const fs = require('node:fs');
const path = require('node:path');

/** { count, frame(i) -> image input, label(i) } or null when the family ships none. */
function loadSample(model) {
  const sample = model.manifest.sample;
  if (!sample) return null;
  const images = fs.readFileSync(path.join(model.dir, sample.images));
  const labels = fs.readFileSync(path.join(model.dir, sample.labels));
  const frameBytes = sample.width * sample.height * sample.channels;
  if (images.length !== frameBytes * sample.count || labels.length !== sample.count) {
    throw new Error(`${sample.images}/${sample.labels}: sizes do not match count ${sample.count} of ${sample.width}x${sample.height}x${sample.channels}`);
  }
  const format = sample.channels === 1 ? 'gray' : 'rgb';
  return {
    count: sample.count,
    frame: (i) => ({ data: images.subarray(i * frameBytes, (i + 1) * frameBytes), width: sample.width, height: sample.height, format }),
    label: (i) => labels[i],
  };
}

/** A synthetic camera frame for families without a sample. */
function syntheticFrame(model, t) {
  const channels = model.manifest.input.channels;
  const width = 64;
  const height = 48;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + t * 13) & 255;
  return { data, width, height, format: channels === 1 ? 'gray' : 'rgb' };
}

function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

module.exports = { loadSample, syntheticFrame, argmax };
