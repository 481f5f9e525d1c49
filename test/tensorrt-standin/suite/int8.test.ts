/**
 * int8 engines from the family's calibration images: the addon's calibrator feeds them to the stand-in's builder,
 * the calibration cache is written, and a forced rebuild reuses it instead of calibrating again.
 */
import { bundledFamily, copyFamily, resultOf, scenario, summaryFragment } from './helpers';

interface Int8Result {
  built: string[]; rebuilt: string[]; calibrationCaches: string[]; calibrationEventsFirst: number; calibrationEventsSecond: number;
  maxAbsDiff: number; subnets: number;
}

const summary = summaryFragment('int8');

describe.each([['gpu', bundledFamily], ['dla0', bundledFamily]] as const)('int8 on %s', (device, source) => {
  it('calibrates from the images once, writes the cache, and reuses it on a forced rebuild', () => {
    const family = copyFamily(source, `int8-${device}`);
    const result = resultOf(scenario<Int8Result>('int8', { family, device, cache: `${family}/.engine-cache` }));
    expect(result.built.every((e) => e === 'built')).toBe(true);
    expect(result.rebuilt.every((e) => e === 'built')).toBe(true);
    expect(result.calibrationEventsFirst).toBeGreaterThan(0);
    expect(result.calibrationEventsSecond).toBe(0);
    expect(result.calibrationCaches.length).toBeGreaterThan(0);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    summary.int8 = { ...(summary.int8 as object), [device]: { calibrated: result.calibrationEventsFirst, cacheReused: result.calibrationEventsSecond === 0 } };
    summary.save();
  });
});
