/**
 * Errors by which Picodata says that the client's bucket map is out of date: the bucket moved (or is
 * moving) to another replicaset, or the instance asked is no longer the leader, or `forward = off` found
 * the buckets elsewhere. Texts from vshard's router/storage and Picodata's `enforce_forward_option`:
 *
 * - `Bucket 123 is transferring to replicaset …`
 * - `Bucket 123 cannot be found. Is rebalancing in progress?`
 * - `Replica default_1_1 is not a master for replicaset … anymore`
 * - `sbroad: invalid option: cannot satisfy "forward = off": buckets are not present on the current node, …`
 *
 * Pure: a matcher over the message, whatever the SQLSTATE (Picodata sends these as XX000).
 *
 * @example isStaleRouteError(new ServerError('XX000', 'Bucket 17 cannot be found. Is rebalancing in progress?')) // true
 */

const STALE_ROUTE: readonly RegExp[] = [
  /\bbucket \d+ is transferring\b/i,
  /\bbucket \d+ cannot be found\b/i,
  /\bis not a master\b/i,
  /cannot satisfy "forward = off"/i,
];

/** `true` when `error`'s message says that buckets or leaders moved since the client last read them. */
export function isStaleRouteError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const message = error.message;
  for (const re of STALE_ROUTE) if (re.test(message)) return true;
  return false;
}
