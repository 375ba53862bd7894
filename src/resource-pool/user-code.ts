/**
 * Calling the user's hooks without letting them break the pool: a throw, a rejection or a never-awaited
 * promise must not leave an entry half-updated or surface as an unhandled rejection.
 */

/**
 * Runs a check hook (`beforeAcquire`, `afterRelease`). Returns its verdict at once when the hook is
 * synchronous, else a promise of it. Only `false` fails a check; a throw or a rejection counts as `false`
 * (the resource is unusable), and the returned promise never rejects.
 *
 * @example const ok = runCheck(opts.beforeAcquire, conn); if (ok === false) destroy(conn);
 */
export function runCheck<T>(hook: (r: T) => boolean | Promise<boolean>, resource: T): boolean | Promise<boolean> {
  let v: boolean | Promise<boolean>;
  try {
    v = hook(resource);
  } catch {
    return false;
  }
  if (isThenable(v)) {
    return Promise.resolve(v).then(
      (ok) => ok !== false,
      () => false,
    );
  }
  return v !== false;
}

/**
 * Calls a function that may return a promise or throw, and returns a promise of its outcome (one that
 * rejects when the call threw synchronously).
 *
 * @example callAsync(opts.create, signal).then(onCreated, onFailed);
 */
export function callAsync<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
  try {
    return Promise.resolve(fn(arg));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Calls `destroy` and returns a promise that settles when it is done, or `undefined` when it finished
 * synchronously. Its errors are swallowed: the resource is gone either way.
 *
 * @example const p = callDestroy(opts.destroy, conn); if (p) pending.add(p);
 */
export function callDestroy<T>(destroy: (r: T) => Promise<void> | void, resource: T): Promise<void> | undefined {
  let p: Promise<void> | void;
  try {
    p = destroy(resource);
  } catch {
    return undefined;
  }
  return isThenable(p) ? Promise.resolve(p).then(noop, noop) : undefined;
}

export function noop(): void {}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}
