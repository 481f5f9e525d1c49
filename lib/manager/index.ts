export { ManagerError, isManagerError, type ManagerErrorCode } from '../errors';
export type {
  Candidate,
  CandidateSet,
  ConflictKind,
  Constraints,
  Decision,
  DecisionReason,
  ManagedInferResult,
  ManagedModel,
  ManagedSubnet,
  NormalizedConstraints,
  Objective,
  Observation,
  Policy,
  PolicyState,
} from './types';
export { buildCandidates, candidateLabel, type DeviceFamily } from './candidates';
export { normalizeConstraints } from './constraints';
export { selectBest, newSelection, type Selection } from './select';
export { predictivePolicy, resolvePredictiveOptions, type PredictiveOptions, type PredictiveState, type ResolvedPredictiveOptions } from './policies/predictive';
export { stepwisePolicy, type StepwiseOptions, type StepwiseState } from './policies/stepwise';
export { staticPolicy, type StaticState } from './policies/static';
export { oracleSchedule, replayPolicy, type LatencyOf, type OracleOptions, type OracleSchedule, type ReplayState } from './policies/oracle';
export { RunStats, type LevelStats, type ManagerStats } from './stats';
export {
  compare,
  constraintSchedule,
  framesPerLevel,
  makeTrace,
  rng,
  runPolicy,
  simulate,
  simulationOracle,
  summarize,
  type ChangeKind,
  type ConstraintChange,
  type ContentionChange,
  type ContentionSegment,
  type FrameRecord,
  type Recovery,
  type SimulationInput,
  type SimulationResult,
  type SlowdownTrace,
  type SpikeSpec,
  type Summary,
  type SummaryOptions,
  type TraceSpec,
} from './simulate';
export {
  RuntimeManager,
  resolvePolicy,
  type CandidateRef,
  type ConflictEvent,
  type ManagedOutcome,
  type ManagerDecision,
  type PolicyName,
  type RuntimeManagerEvents,
  type RuntimeManagerOptions,
  type RuntimeManagerStats,
  type SwitchEvent,
  type ViolationEvent,
} from './runtime-manager';
export { renderChart, type ChartOptions, type ChartPoint, type ChartSeries } from './chart';
export { oracleFromRecords, recordedSlowdown, runScenario, type ScenarioResult, type ScenarioRun } from './scenario';
export { measureDecisionCost, type DecisionCost } from './bench';
