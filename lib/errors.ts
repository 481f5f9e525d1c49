/**
 * Typed errors. Every error this package throws or rejects with is a {@link DynamicOfaError} with a stable
 * `code`; native errors arrive with a `code` property and are mapped to the same classes.
 */

export type ErrorCode =
  | 'E_FAMILY_INVALID'
  | 'E_MODEL_LOAD'
  | 'E_INPUT_SHAPE'
  | 'E_INPUT_TYPE'
  | 'E_SUBNET_UNKNOWN'
  | 'E_CLOSED'
  | 'E_BUSY'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_RUNTIME_LOAD'
  | 'E_THREADS'
  | 'E_INFERENCE'
  | 'E_INVALID_ARGUMENT'
  | 'E_OUT_OF_MEMORY'
  | 'E_INTERNAL'
  | 'E_DEPENDENCY_MISSING'
  | ManagerErrorCode
  | PipelineErrorCode;

/** Codes of the runtime manager's errors (bad constraints, options or model tables). */
export type ManagerErrorCode = 'E_CONSTRAINTS_INVALID' | 'E_DEVICE_UNKNOWN' | 'E_FAMILY_EMPTY' | 'E_OPTIONS_INVALID';

/** Codes of a camera pipeline's errors (`dynamic-ofa/gstreamer`): it did not start, it stopped, or its frames have the wrong size. */
export type PipelineErrorCode = 'E_PIPELINE_START' | 'E_PIPELINE_ENDED' | 'E_FRAME_SIZE';

export class DynamicOfaError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem found in a family manifest, located by its JSON path (e.g. `/subnets/2/model`). */
export interface ManifestProblem {
  path: string;
  message: string;
}

/** family.json is missing, unreadable, not JSON, or does not match the schema. Lists every problem found. */
export class FamilyInvalidError extends DynamicOfaError {
  readonly file: string;
  readonly problems: readonly ManifestProblem[];
  constructor(file: string, problems: readonly ManifestProblem[], options?: { cause?: unknown }) {
    const list = problems.map((p) => `  ${p.path || '/'}: ${p.message}`).join('\n');
    super('E_FAMILY_INVALID', `invalid family manifest ${file}:\n${list}`, options);
    this.file = file;
    this.problems = problems;
  }
}

/** A model file could not be loaded, or its tensors do not fit the family. */
export class ModelLoadError extends DynamicOfaError {}
/** The input has the wrong type, or the wrong size for the sub-network it would run on. */
export class InputError extends DynamicOfaError {}
/** A sub-network id or index that the family does not have. */
export class SubnetUnknownError extends DynamicOfaError {}
/** The model was closed. */
export class ClosedError extends DynamicOfaError {}
/** The requested device or backend is not available in this build or on this machine. */
export class BackendUnavailableError extends DynamicOfaError {}
/** The ONNX Runtime library (or the addon) could not be loaded. */
export class RuntimeLoadError extends DynamicOfaError {}
/** An argument outside the input (options, thread counts) is wrong. */
export class InvalidArgumentError extends DynamicOfaError {}

/**
 * The runtime manager refused constraints, options or a model table. Bad constraints leave the previous ones
 * in force.
 */
export class ManagerError extends DynamicOfaError {
  declare readonly code: ManagerErrorCode;
  /** The offending field, when one can be named (e.g. 'latencyTargetMs', 'devices[1]'). */
  readonly field: string | undefined;

  constructor(code: ManagerErrorCode, message: string, field?: string) {
    super(code, message);
    this.field = field;
  }
}

/** True for a {@link ManagerError} (with `code`, when given). */
export function isManagerError(e: unknown, code?: ManagerErrorCode): e is ManagerError {
  return e instanceof ManagerError && (code === undefined || e.code === code);
}

/** Something outside the package that a subpath export needs is not installed: GStreamer's gst-launch-1.0, prom-client. */
export class DependencyMissingError extends DynamicOfaError {
  /** What is missing, e.g. 'gst-launch-1.0' or 'prom-client'. */
  readonly dependency: string;
  constructor(dependency: string, message: string, options?: { cause?: unknown }) {
    super('E_DEPENDENCY_MISSING', message, options);
    this.dependency = dependency;
  }
}

/** A camera pipeline failed to start, stopped, or produced frames of another size or format than asked for. */
export class PipelineError extends DynamicOfaError {
  declare readonly code: PipelineErrorCode;
  /** The last lines GStreamer printed (its own account of what went wrong), or '' when it printed none. */
  readonly gstOutput: string;
  /** gst-launch-1.0's exit code, or null when it is still running or was ended by a signal. */
  readonly exitCode: number | null;

  constructor(code: PipelineErrorCode, message: string, details: { gstOutput?: string; exitCode?: number | null } = {}) {
    super(code, message);
    this.gstOutput = details.gstOutput ?? '';
    this.exitCode = details.exitCode ?? null;
  }
}

const classByCode: Partial<Record<ErrorCode, new (code: ErrorCode, message: string, options?: { cause?: unknown }) => DynamicOfaError>> = {
  E_MODEL_LOAD: ModelLoadError,
  E_INPUT_SHAPE: InputError,
  E_INPUT_TYPE: InputError,
  E_SUBNET_UNKNOWN: SubnetUnknownError,
  E_CLOSED: ClosedError,
  E_BACKEND_UNAVAILABLE: BackendUnavailableError,
  E_RUNTIME_LOAD: RuntimeLoadError,
  E_INVALID_ARGUMENT: InvalidArgumentError,
  E_THREADS: InvalidArgumentError,
};

/** Creates the typed error for a code. */
export function makeError(code: ErrorCode, message: string, cause?: unknown): DynamicOfaError {
  const ErrorClass = classByCode[code] ?? DynamicOfaError;
  return new ErrorClass(code, message, cause === undefined ? undefined : { cause });
}

/** Maps an error thrown by the addon (an Error with `.code`) to the typed class; other values pass through wrapped. */
export function fromNative(error: unknown): DynamicOfaError {
  if (error instanceof DynamicOfaError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code.startsWith('E_')) return makeError(code as ErrorCode, message, error);
  return new DynamicOfaError('E_INTERNAL', message, { cause: error });
}
