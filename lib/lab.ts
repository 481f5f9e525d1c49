/**
 * `dynamic-ofa/lab`: the experiments around the runtime, kept out of it. Synthetic slowdown traces and the
 * pure simulation of a policy over them, the scenario runner that drives the runtime manager (`RuntimeManager` of `dynamic-ofa`) through a
 * contention schedule on real models, the offline oracle (and a policy that replays it), SVG charts, busy
 * processes that stand in for another application, and the measurement of a policy's decision cost.
 * Nothing in the runtime (`dynamic-ofa`) imports from here.
 *
 * @packageDocumentation
 * @module dynamic-ofa/lab
 */
export {
  makeTrace,
  rng,
  type ChangeKind,
  type ContentionChange,
  type ContentionSegment,
  type SlowdownTrace,
  type SpikeSpec,
  type TraceSpec,
} from './lab/traces';
export {
  compare,
  constraintSchedule,
  framesPerLevel,
  runPolicy,
  simulate,
  simulationOracle,
  type ConstraintChange,
  type SimulationInput,
  type SimulationResult,
} from './lab/simulate';
export type { ModelSubnets } from './manager/candidates';
export { summarize, type Recovery, type Summary, type SummaryOptions } from './lab/summary';
export { oracleSchedule, replayPolicy, type LatencyOf, type OracleOptions, type OracleSchedule, type ReplayState } from './lab/oracle';
export { renderChart, type ChartOptions, type ChartPoint, type ChartSeries } from './lab/chart';
export { oracleFromRecords, recordedSlowdown, runScenario, type ScenarioResult, type ScenarioRun, traceFromRecords } from './lab/scenario-runner';
export { measureDecisionCost, type DecisionCost } from './lab/decision-cost';
export { type BurstPlay, Contention, defaultBurners, PacedBursts, playBursts, type TimedBurst } from './lab/contention';
export { type Burst, type BurstySpec, type BurstyTrace, makeBurstyTrace, onsetMisses, type OnsetMisses, placeBursts, planBursts, type PlannedBurst } from './lab/bursts';
