/**
 * The names other clients give picots' options: picopyn (`pool_size`, `max_size`, `enable_discovery`,
 * `balance_strategy`), node-postgres (`connectionString`, `max`, `idleTimeoutMillis`, ...) and asyncpg or
 * postgres.js (`command_timeout`, `max_inactive_connection_lifetime`, seconds where picots counts
 * milliseconds). A user who brings one over gets the picots name, and the unit when it differs, in the
 * "unknown option" error: the name alone would leave a timeout 1000 times too short.
 *
 * snake_case spellings of picots' own names (`min_size`, `acquire_timeout`) need no entry here: the
 * did-you-mean of `rejectUnknownKeys` matches them by their letters.
 *
 * @example
 * ```ts
 * foreignOptionHint('pool_size', ['dsn', 'maxSize']) // " (did you mean 'maxSize'? picopyn's pool_size is the total over all instances)"
 * foreignOptionHint('host', ['dsn'])                 // " (put host, port, user, password and database in 'dsn': postgresql://user:password@host:4327/database)"
 * ```
 */
interface Alias {
  /** picots' names for it, most likely first: the first one the options object accepts is suggested. */
  readonly to: readonly string[];
  /** Said after the suggestion: a unit or meaning that differs. */
  readonly note?: string;
}

const SECONDS = 'it counts milliseconds, not seconds';

const ALIASES: Readonly<Record<string, Alias>> = {
  // picopyn
  pool_size: { to: ['poolSize', 'maxSize'], note: "picopyn's pool_size is the total over all instances" },
  max_size: { to: ['maxSize', 'poolSize'] },
  connect_kwargs: { to: [], note: 'give the connection options directly: ssl, connectTimeout, password, ...' },
  // node-postgres
  connectionString: { to: ['dsn'] },
  connection_string: { to: ['dsn'] },
  url: { to: ['dsn'] },
  max: { to: ['maxSize', 'poolSize'], note: 'the total over all instances' },
  min: { to: ['minSize'] },
  idleTimeoutMillis: { to: ['idleTimeout'] },
  connectionTimeoutMillis: { to: ['connectTimeout', 'acquireTimeout'], note: 'acquireTimeout is the wait for a free connection' },
  query_timeout: { to: ['queryTimeout'] },
  statement_timeout: { to: ['queryTimeout'], note: 'picots enforces it on the client: Picodata has no statement_timeout' },
  maxLifetimeSeconds: { to: ['maxLifetime'], note: SECONDS },
  allowExitOnIdle: { to: [], note: 'not needed: picots never keeps an idle process alive' },
  application_name: { to: [], note: 'Picodata ignores every startup parameter but user and options' },
  // asyncpg and postgres.js
  command_timeout: { to: ['queryTimeout'], note: SECONDS },
  timeout: { to: ['connectTimeout'], note: SECONDS },
  connect_timeout: { to: ['connectTimeout'], note: SECONDS },
  idle_timeout: { to: ['idleTimeout'], note: SECONDS },
  max_lifetime: { to: ['maxLifetime'], note: SECONDS },
  max_inactive_connection_lifetime: { to: ['idleTimeout'], note: SECONDS },
  max_queries: { to: ['maxUses'] },
  init: { to: ['setup'] },
  statement_cache_size: { to: ['statementCacheSize'] },
  prepare: { to: ['statementCacheSize'], note: 'statementCacheSize: 0 turns prepared statements off; per statement, { prepare: false }' },
};

/** Parts of a connection that picots takes only inside the DSN. */
const IN_DSN = new Set(['host', 'hostname', 'hosts', 'port', 'user', 'username', 'database', 'db']);

/**
 * The hint for an unknown option that another client's users would write, ready to append to a message
 * (`" (did you mean 'maxSize'? ...)"`), or `undefined` when `key` is not such a name. `allowed` is what
 * the options object accepts, so the suggestion is one that object takes (`poolSize` for a Client,
 * `maxSize` for a Pool).
 */
export function foreignOptionHint(key: string, allowed: readonly string[]): string | undefined {
  if (IN_DSN.has(key) && allowed.includes('dsn')) {
    return ` (put host, port, user, password and database in 'dsn': postgresql://user:password@host:4327/database)`;
  }
  if (!Object.hasOwn(ALIASES, key)) return undefined;
  const alias = ALIASES[key]!;
  const to = alias.to.find((name) => allowed.includes(name));
  if (to === undefined) return alias.note === undefined ? undefined : ` (${alias.note})`;
  return alias.note === undefined ? ` (did you mean '${to}'?)` : ` (did you mean '${to}'? ${alias.note})`;
}
