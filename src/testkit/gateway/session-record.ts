/**
 * What the gateway remembers of each session, so a test can check what a client sent: for example
 * that picots never sent `SET`, `BEGIN` or a catalog query of its own (see {@link unexpectedStatements}).
 */

/** One message a client sent after the startup. Passwords are never recorded. */
export interface RecordedMessage {
  /** The type byte: `Q` Query, `P` Parse, `B` Bind, `E` Execute, `S` Sync, `X` Terminate, `p` password, ... */
  readonly type: string;
  /** The type's name, e.g. `Query`. */
  readonly name: string;
  /** The SQL text, for Query and Parse. */
  readonly sql?: string;
  /**
   * True when the gateway answered it itself instead of forwarding: a Query with several statements, a
   * transaction statement (a no-op on Picodata), a statement Picodata cannot parse, a COPY message.
   */
  readonly refused?: boolean;
  /** True when the gateway dropped it unanswered, as Picodata does with everything after an error up to the Sync. */
  readonly discarded?: boolean;
}

/** Where a session is. */
export type SessionState = 'handshake' | 'open' | 'closed';

/** One client connection to the gateway, as recorded. */
export interface SessionRecord {
  /** Unique within a gateway, in order of arrival. */
  readonly id: number;
  /** The instance whose listener took the connection. */
  readonly instance: string;
  /** When the connection was accepted (ms since the epoch). */
  readonly acceptedAt: number;
  /** True when the client first asked for TLS (and got `N`). */
  readonly sslRequested: boolean;
  /** What the first packet was; `undefined` until it came whole. */
  readonly firstPacket?: 'ssl' | 'gssenc' | 'cancel' | 'startup' | 'invalid';
  /** The startup parameters as the client sent them, `options` included; empty until the startup came. */
  readonly startup: Readonly<Record<string, string>>;
  /** The `options` parameter parsed in Picodata's format; empty when absent or malformed. */
  readonly options: ReadonlyArray<readonly [name: string, value: string]>;
  /** Everything the client sent after the startup, in order. */
  readonly messages: readonly RecordedMessage[];
  /** `handshake` until the first ReadyForQuery, then `open`, then `closed`. */
  readonly state: SessionState;
  /**
   * Why it ended, unless the client ended it: the gateway's reason (`malformed options: ...`,
   * `CancelRequest ...`, `killed`, `terminated`, `cut mid-result`) or `the server closed the session`.
   */
  readonly closeReason?: string;
}

/** Statements no client library should send to Picodata on its own (see FACTS.md, "No transactions"). */
const UNEXPECTED = [
  /^\s*(SET|RESET|SHOW|DISCARD|BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|LISTEN|UNLISTEN)\b/i,
  /\bpg_catalog\b/i,
  /\bpg_type\b/i,
  /\binformation_schema\b/i,
];

/**
 * The SQL texts in `records` that a client library should never send by itself: `SET`, `RESET`, `SHOW`,
 * `DISCARD`, transaction control, `LISTEN`, and catalog queries (`pg_catalog`, `pg_type`,
 * `information_schema`). An empty array means the client behaved.
 *
 * @example
 * ```ts
 * assert.deepEqual(unexpectedStatements(cluster.sessions()), []);
 * ```
 */
export function unexpectedStatements(records: readonly SessionRecord[]): string[] {
  return records.flatMap((r) => r.messages)
    .map((m) => m.sql)
    .filter((sql): sql is string => sql !== undefined && UNEXPECTED.some((pattern) => pattern.test(sql)));
}
