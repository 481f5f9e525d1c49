/** A value as an error message shows it: its JSON where it has one (cut short), else its kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return `a ${typeof value}`;
  if (Array.isArray(value)) return 'an array';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // a cycle
  }
  if (json === undefined) return `a ${typeof value}`;
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** Whether a value is a plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value can be an options argument: omitted, or a plain object. */
export function isOptionsObject(value: unknown): value is Record<string, unknown> | undefined {
  return value === undefined || isObject(value);
}
