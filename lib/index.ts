/**
 * The runtime API of `dynamic-ofa`: load a sub-network family ({@link loadFamily}), switch and run it
 * ({@link DynamicModel}), and let the {@link RuntimeManager} pick the sub-network (and device) for every frame.
 * Experiments (simulation, traces, the contention scenario, the offline oracle, charts) are in the
 * `dynamic-ofa/lab` entry point.
 *
 * @packageDocumentation
 * @module dynamic-ofa
 */
export { loadFamily, DynamicModel } from './model/dynamic-model';
export type { ImageInput, InferenceResult, InferOptions, LoadOptions, ModelInput, PixelFormat, SubnetInfo } from './model/dynamic-model';
export { backends, DEVICES } from './devices/backends';
export type { BackendInfo, Device } from './devices/backends';
export { loadManifest, validateManifest, familyManifestSchema } from './family/manifest';
export type { AccuracyRecord, FamilyManifest, LoadedManifest, OfaConfig, SubnetManifest } from './family/manifest';
export * from './errors';
export type { EngineDecision, EnsureEvent, Precision } from './engines/ensure-engines';
export type { NativeBuildProgress, NativeBuildReport, NativeFrame } from './native/addon';

export type {
  Candidate,
  CandidateSet,
  ConflictKind,
  Constraints,
  Decision,
  DecisionReason,
  FrameRecord,
  ManagedInferResult,
  ManagedModel,
  ManagedSubnet,
  NormalizedConstraints,
  Objective,
  Observation,
  Policy,
  PolicyState,
} from './manager/types';
export { buildCandidates, candidateLabel, type DeviceFamily } from './manager/candidates';
export { normalizeConstraints } from './manager/constraints';
export { selectBest, newSelection, type Selection } from './manager/select';
export { predictivePolicy, resolvePredictiveOptions, type PredictiveOptions, type PredictiveState, type ResolvedPredictiveOptions } from './manager/policies/predictive';
export { stepwisePolicy, type StepwiseOptions, type StepwiseState } from './manager/policies/stepwise';
export { staticPolicy, type StaticState } from './manager/policies/static';
export { RunStats, type LevelStats, type ManagerStats } from './manager/stats';
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
} from './manager/runtime-manager';
