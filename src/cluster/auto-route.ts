/**
 * Automatic keyed routing (`autoRoute: true`, Picodata 26.1.1+): the pool's connections ask for Picodata's
 * query metadata at startup, each Parse brings the statement's `dk_meta` into one per-pool cache, and from
 * then on a statement without an explicit `routeKey` gets the key computed from its own parameters, with
 * the tier the server named. The first execution of a statement, before its metadata is known, and every
 * statement whose `dk_meta` is empty (all but single-row `INSERT … VALUES` with plain parameters today)
 * are routed as without a key.
 */
import { QueryMetadataCache } from '../protocol/query-metadata.js';
import type { QueryParams } from '../protocol/query-types.js';
import { keyFromParams } from '../routing/key-from-params.js';
import type { KeyPart } from '../routing/key-part.js';

/** The per-statement keyed-routing options that automatic routing fills in. */
export interface AutoRouteFields {
  /** The sharding-key values of the rows the statement touches, in sharding-key order. */
  readonly routeKey?: readonly KeyPart[];
  /** The tier whose bucket map places `routeKey`. */
  readonly routeTier?: string;
}

/** Statements whose metadata is kept when the statement cache is off. */
const DEFAULT_CAPACITY = 100;

/**
 * Fills in `routeKey`/`routeTier` from the cached metadata. One per pool; the connections feed
 * {@link AutoRoute.cache}.
 */
export class AutoRoute {
  /** Query metadata by SQL text, fed by every connection of the pool. */
  readonly cache: QueryMetadataCache;

  /** `capacity`: statements remembered (the statement cache's size; 100 when that is 0). */
  constructor(capacity: number) {
    this.cache = new QueryMetadataCache(capacity > 0 ? capacity : DEFAULT_CAPACITY);
  }

  /**
   * The options to route `sql` with: `options` itself when it names a key already, when the statement's
   * metadata is not known yet or has no key, or when a parameter cannot be typed as the metadata says;
   * otherwise a copy with `routeKey` (and `routeTier` when the server named a tier).
   */
  route<O extends object>(sql: string, params: QueryParams | undefined, options: O): O & AutoRouteFields {
    if ((options as AutoRouteFields).routeKey !== undefined) return options;
    const metadata = this.cache.get(sql);
    if (metadata === undefined || metadata.dkMeta.length === 0) return options;
    const routeKey = keyFromParams(metadata.dkMeta, params);
    if (routeKey === undefined) return options;
    return metadata.tier === null ? { ...options, routeKey } : { ...options, routeKey, routeTier: metadata.tier };
  }
}
