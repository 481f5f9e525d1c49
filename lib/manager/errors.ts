/**
 * Typed errors of the runtime manager. Every error carries a stable `code`, says what was
 * wrong and what to do. (May later be merged into lib/errors.ts; the codes stay.)
 */
export type ManagerErrorCode =
  | 'E_CONSTRAINTS_INVALID'
  | 'E_DEVICE_UNKNOWN'
  | 'E_FAMILY_EMPTY'
  | 'E_OPTIONS_INVALID';

export class ManagerError extends Error {
  readonly code: ManagerErrorCode;
  /** The offending field, when one can be named (e.g. 'latencyTargetMs', 'devices[1]'). */
  readonly field: string | undefined;

  constructor(code: ManagerErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ManagerError';
    this.code = code;
    this.field = field;
  }
}

export function isManagerError(e: unknown, code?: ManagerErrorCode): e is ManagerError {
  return e instanceof ManagerError && (code === undefined || e.code === code);
}
