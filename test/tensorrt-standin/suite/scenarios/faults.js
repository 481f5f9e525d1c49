'use strict';
// One family's life under an injected fault (DYNAMIC_OFA_STANDIN_FAULTS, set by the test): build or load, run,
// run again after a failure (a transient fault must leave the family usable), close. Every error is recorded
// with whether it was a typed DynamicOfaError; nothing here may crash or hang.
// args: { family, device, cache, runs? }
const { api, describeError, seededFloats, scenario } = require('./common');

scenario(async ({ family, device, cache, dlaBudget, runs = 12 }) => {
  const errors = [];
  const record = (stage, error) => errors.push({ stage, ...describeError(error) });
  let model;
  try {
    model = await api.loadFamily(family, { device, cache, warmupRuns: 1, ...(dlaBudget ? { dlaBudget } : {}) });
  } catch (error) {
    record('load', error);
    // After a failed load the same process can still load (a transient fault), unless the device is gone.
    try {
      model = await api.loadFamily(family, { device, cache, warmupRuns: 1, ...(dlaBudget ? { dlaBudget } : {}) });
    } catch (again) {
      record('reload', again);
      return { errors, loaded: false, runsOk: 0, closed: true };
    }
  }
  let runsOk = 0;
  let okAfterFailure = false;
  let failed = false;
  for (let i = 0; i < runs; i++) {
    const subnet = i % model.subnets.length;
    const input = seededFloats(model.subnets[subnet].inputShape.reduce((a, b) => a * b, 1), i + 1);
    try {
      await model.infer(input, { subnet, inline: i % 2 === 0 });
      runsOk++;
      if (failed) okAfterFailure = true;
    } catch (error) {
      record(`run ${i}`, error);
      failed = true;
    }
  }
  let closed = false;
  try {
    await model.close();
    closed = true;
  } catch (error) {
    record('close', error);
  }
  return { errors, loaded: true, runsOk, okAfterFailure, closed };
});
