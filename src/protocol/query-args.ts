import { ConfigError, ParameterError } from '../errors.js';
import { describeType } from '../types/encode-param.js';
import type { QueryOptions, QueryParams } from './query-types.js';

/** The protocol counts a statement's parameters in 16 bits: more would silently wrap around. */
export const MAX_PARAMETERS = 65535;

/** Node's timers hold at most 2^31-1 ms; a longer delay fires after 1 ms. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Checks the arguments of a query call before anything is queued, so one caller's mistake stays with that
 * caller: it cannot reach the wire, a shared buffer or another caller's results. Checks the shapes and
 * counts; the values themselves are checked when they are encoded (see `encodeParams`).
 *
 * - `sql`: a non-empty string without a NUL byte (the protocol ends strings with NUL).
 * - `params`: an array of at most 65535 values, or `undefined`.
 * - `options`: an object or `undefined`; `timeout` a number of ms from 0 to 2^31-1, or `Infinity`; `signal`
 *   an AbortSignal; `rowMode` `'object'`/`'array'`; `int8` `'number'`/`'bigint'`/`'string'`; `prepare` a boolean.
 *   Other keys are left to the layer that defines them (the cluster pool adds its own).
 *
 * @throws {ConfigError} for `sql` and `options`, {@link ParameterError} for `params`.
 * @example
 * ```ts
 * validateQueryArgs('SELECT $1::int', [1], { timeout: 500 }); // passes
 * validateQueryArgs('SELECT 1', { a: 1 } as never);            // ParameterError: params must be an array
 * ```
 */
export function validateQueryArgs(sql: unknown, params: unknown, options: unknown): asserts params is QueryParams | undefined {
  if (typeof sql !== 'string' || sql.length === 0) {
    throw new ConfigError('sql', `must be a non-empty string, got ${sql === '' ? 'an empty string' : describeType(sql)}`);
  }
  if (sql.includes('\0')) throw new ConfigError('sql', 'must not contain a NUL byte (the protocol ends strings with NUL)');
  if (params !== undefined) {
    if (!Array.isArray(params)) {
      throw new ParameterError(`params must be an array of values or undefined, got ${describeType(params)}`, { valueType: describeType(params) });
    }
    if (params.length > MAX_PARAMETERS) {
      throw new ParameterError(`a statement takes at most ${MAX_PARAMETERS} parameters (the protocol counts them in 16 bits), got ${params.length}`);
    }
  }
  if (options !== undefined) validateQueryOptions(options);
}

function validateQueryOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('options', `must be an object or undefined, got ${describeType(options)}`);
  }
  const o = options as QueryOptions;
  const { timeout, signal, rowMode, int8, prepare } = o;
  if (timeout !== undefined && !(typeof timeout === 'number' && ((timeout >= 0 && timeout <= MAX_TIMEOUT_MS) || timeout === Infinity))) {
    throw new ConfigError('timeout', `must be a number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, or Infinity, got ${typeof timeout === 'number' ? String(timeout) : describeType(timeout)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigError('signal', `must be an AbortSignal, got ${describeType(signal)}`);
  }
  if (rowMode !== undefined && rowMode !== 'object' && rowMode !== 'array') {
    throw new ConfigError('rowMode', `must be 'object' or 'array', got ${show(rowMode)}`);
  }
  if (int8 !== undefined && int8 !== 'number' && int8 !== 'bigint' && int8 !== 'string') {
    throw new ConfigError('int8', `must be 'number', 'bigint' or 'string', got ${show(int8)}`);
  }
  if (prepare !== undefined && typeof prepare !== 'boolean') {
    throw new ConfigError('prepare', `must be true or false, got ${describeType(prepare)}`);
  }
}

/**
 * Checks the parameter sets of `executemany()` before any statement runs: an array of arrays.
 *
 * @throws {ParameterError} naming the first set that is not an array.
 */
export function validateParamSets(paramSets: unknown): asserts paramSets is readonly QueryParams[] {
  if (!Array.isArray(paramSets)) {
    throw new ParameterError(`executemany takes an array of parameter arrays, got ${describeType(paramSets)}`, { valueType: describeType(paramSets) });
  }
  for (let i = 0; i < paramSets.length; i++) {
    const set: unknown = paramSets[i];
    if (!Array.isArray(set)) {
      throw new ParameterError(`executemany: parameter set ${i} must be an array, got ${describeType(set)}`, { index: i, valueType: describeType(set) });
    }
  }
}

/** A value for an error message that cannot itself throw (String() of a null-prototype object does). */
function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value) : describeType(value);
}
