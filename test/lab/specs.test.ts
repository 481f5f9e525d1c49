import { compare, makeBurstyTrace, makeTrace, planBursts, renderChart, runScenario, simulate } from '../../lib/lab';
import { predictivePolicy } from '../../lib';
import { NETS6 } from '../manager/fixtures';

// The experiments' entry points: a spec or input of the wrong kind is E_OPTIONS_INVALID naming it, not a TypeError.
describe('lab specs of the wrong kind', () => {
  it.each([
    ['makeTrace(null)', () => makeTrace(null as never), 'trace spec must be an object; got null.'],
    ['makeTrace frames "10"', () => makeTrace({ frames: '10' as never }), 'frames must be a positive integer, got "10".'],
    ['makeBurstyTrace()', () => makeBurstyTrace(undefined as never), 'burst spec must be an object; got undefined.'],
    ['planBursts without frames', () => planBursts({} as never), 'frames must be a positive integer, got undefined.'],
    ['compare(null)', () => compare(null as never, []), 'simulation input must be an object; got null.'],
    ['simulate without a trace', () => simulate({ models: [{ device: 'cpu', subnets: NETS6 }], constraints: { latencyTargetMs: 50 } } as never, predictivePolicy()), 'trace must be an object; got undefined.'],
    ['renderChart(null)', () => renderChart(null as never), 'chart series must be an array; got null.'],
    ['renderChart options a number', () => renderChart([], 3 as never), 'chart options must be an object; got 3.'],
  ])('%s', (_, run, message) => {
    expect(run).toThrow(expect.objectContaining({ code: 'E_OPTIONS_INVALID', message }));
  });

  it('runScenario(null) rejects with E_OPTIONS_INVALID', async () => {
    await expect(runScenario(null as never)).rejects.toMatchObject({ code: 'E_OPTIONS_INVALID', message: 'scenario run must be an object; got null.' });
  });
});
