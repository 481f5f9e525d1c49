/**
 * The runtime API of `dynamic-ofa`: load a sub-network family ({@link loadFamily}), switch and run it
 * ({@link DynamicModel}), and let the {@link RuntimeManager} pick the sub-network (and device) for every frame.
 * Experiments (simulation, traces, the contention scenario, the offline oracle, charts) are in the
 * `dynamic-ofa/lab` entry point.
 *
 * @packageDocumentation
 * @module dynamic-ofa
 */
export { loadFamily, type LoadOptions } from './model/load-family';
export { DynamicModel } from './model/dynamic-model';
export type { FamilyDeviceMemory, InferenceResult, InferOptions, LoadTime, ModelInput, SubnetInfo, SubnetMemory, WarmOptions, WarmResult, WeightSharing } from './model/dynamic-model';
export { PIXEL_FORMATS, type Image, type PixelFormat } from './image/image';
export { backends, type BackendInfo } from './backends/backends';
export { DEVICES, type BackendName, type Device, type TrtDevice } from './devices/devices';
export { loadManifest, validateManifest, familyManifestSchema } from './family/manifest';
export type { AccuracyRecord, FamilyManifest, ImageSet, Int8Candidate, Int8CandidatesRecord, LoadedManifest, ModelPrecision, OfaConfig, SubnetManifest } from './family/manifest';
export {
  BackendUnavailableError,
  ClosedError,
  DynamicOfaError,
  FamilyInvalidError,
  InputError,
  InvalidArgumentError,
  isManagerError,
  ManagerError,
  ModelLoadError,
  RuntimeLoadError,
  SubnetUnknownError,
  type ErrorCode,
  type ManagerErrorCode,
  type ManifestProblem,
} from './errors';
export type { EngineBuildReport, EnsureEvent } from './engines/ensure-engines';
export type { EngineDecision } from './engines/engine-file';
export type { EnginePlacement } from './engines/engine-placement';
export type { DlaBudgetMode } from './engines/dla-budget';
export type { Precision } from './engines/fingerprint';
export type { NativeBuildProgress, NativeBuildReport } from './native/addon';

export type {
  Candidate,
  CandidateSet,
  ConflictKind,
  Constraints,
  ContentionSample,
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
} from './manager/types';
export { acceleratorLoadFile, CpuSensor, LoadFileSensor, sensorFor, type ContentionSensor, type SensorOptions } from './sensing/sensors';
export { predictivePolicy } from './manager/policies/predictive';
export type { PredictiveOptions } from './manager/policies/predictive-options';
export { stepwisePolicy, type StepwiseOptions, type StepwiseState } from './manager/policies/stepwise';
export { staticPolicy, type StaticState } from './manager/policies/static';
export { RunStats, type LevelStats, type ManagerStats } from './manager/stats';
export {
  RuntimeManager,
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
  type WarmedCandidate,
} from './manager/runtime-manager';
