import { AuthenticationError } from '../errors.js';

/** How long one login may hold the others back before they go ahead anyway, in ms. */
export const DEFAULT_LOGIN_STALL_MS = 500;

/**
 * Guards the logins of one pool, on every instance, against Picodata's lockout: a user is locked after
 * `auth_login_attempt_max` (default 4) consecutive failures, per instance, so a pool that kept opening
 * connections with a wrong password would lock the account cluster-wide.
 *
 * - Until one login has succeeded, logins go one at a time, so a burst of callers on a fresh pool costs
 *   one failed attempt, not one per caller.
 * - One at a time only while the login in front answers: an instance that accepts TCP and never answers
 *   (not Online yet, or blackholed) would otherwise hold every other login, on healthy instances too, for
 *   its whole connect timeout. After `stallMs` without an answer the next login goes ahead; the silent one
 *   goes on in the background and still closes the latch if it ends in a 28P01.
 * - After a 28P01, no further attempt is made: every later login fails at once with the same error.
 *   A new pool (with the right password) starts with a fresh latch.
 */
export class AuthLatch {
  readonly #stallMs: number;
  #failure: AuthenticationError | undefined;
  #proven = false;
  #queue: Promise<void> = Promise.resolve();
  /** Instances with a login that has stalled past `stallMs` and is still pending, by address. */
  readonly #silent = new Map<string, number>();

  constructor(stallMs = DEFAULT_LOGIN_STALL_MS) {
    this.#stallMs = stallMs;
  }

  /** The failure that closed the latch, if any. */
  get error(): AuthenticationError | undefined {
    return this.#failure;
  }

  /**
   * Runs one login attempt under the rules above. `target` (the instance's address) lets attempts to an
   * instance that is already silent skip the line: they would only stall it again, one after another.
   */
  async login<T>(attempt: () => Promise<T>, target?: string): Promise<T> {
    this.#check();
    if (this.#proven || (target !== undefined && this.#silent.has(target))) return this.#observe(attempt);
    const previous = this.#queue;
    let done!: () => void;
    this.#queue = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      this.#check();
      if (this.#proven) return await this.#observe(attempt);
      if (target !== undefined && this.#silent.has(target)) {
        // Its instance went silent while this waited in line: let the next one go first.
        done();
        return await this.#observe(attempt);
      }
      let silent = false;
      const stalled = setTimeout(() => {
        if (target !== undefined) {
          silent = true;
          this.#silent.set(target, (this.#silent.get(target) ?? 0) + 1);
        }
        done();
      }, this.#stallMs);
      // Waiting for a silent instance is no reason to keep a process alive.
      stalled.unref();
      try {
        const result = await this.#observe(attempt);
        this.#proven = true;
        return result;
      } finally {
        clearTimeout(stalled);
        if (silent) this.#forgetSilent(target!);
      }
    } finally {
      done();
    }
  }

  async #observe<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (this.#failure === undefined && error instanceof AuthenticationError) this.#failure = error;
      throw error;
    }
  }

  #forgetSilent(target: string): void {
    const n = (this.#silent.get(target) ?? 1) - 1;
    if (n <= 0) this.#silent.delete(target);
    else this.#silent.set(target, n);
  }

  #check(): void {
    const failure = this.#failure;
    if (failure === undefined) return;
    throw new AuthenticationError(
      failure.code,
      `not trying again: authentication already failed (${failure.message.replace(/ \(SQLSTATE.*$/, '')}); ` +
        'Picodata locks a user after repeated failures, so picots makes no further attempt with these credentials',
      { severity: failure.severity },
      failure.instance,
    );
  }
}
