import { ManagerError } from '../errors';
import { describeValue, isObject } from '../util/describe-value';

/** An experiment's spec or input (`name` as the message calls it) must be an object: said as E_OPTIONS_INVALID. */
export function checkSpec(name: string, value: unknown): void {
  if (!isObject(value)) throw new ManagerError('E_OPTIONS_INVALID', `${name} must be an object; got ${describeValue(value)}.`, name);
}

/** A frame count: a positive integer. */
export function checkFrames(frames: unknown): void {
  if (!Number.isInteger(frames) || (frames as number) <= 0) throw new ManagerError('E_OPTIONS_INVALID', `frames must be a positive integer, got ${describeValue(frames)}.`, 'frames');
}
