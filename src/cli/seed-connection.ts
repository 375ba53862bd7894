import { resolveClusterOptions } from '../config/cluster-options.js';
import { parseDsn } from '../config/parse-dsn.js';
import { AuthenticationError } from '../errors.js';
import { Connection } from '../protocol/connection.js';

/** The connection options a command's own connections use: the DSN's, with the command's abort signal. */
export type SeedConnectOptions = ReturnType<typeof resolveClusterOptions>['connection'] & { signal: AbortSignal | undefined };

/**
 * Runs `work` on a connection to the first of the DSN's seeds that accepts one, and closes it after. A seed
 * that cannot be reached is skipped; a wrong password is thrown at once (Picodata locks a user out after a
 * few failed logins, so it is never tried on the next seed), as is an abort. When no seed answers, the last
 * seed's error is thrown.
 */
export async function withSeedConnection<T>(
  dsn: string,
  signal: AbortSignal | undefined,
  work: (conn: Connection, connection: SeedConnectOptions) => Promise<T>,
): Promise<T> {
  const connection: SeedConnectOptions = { ...resolveClusterOptions({ dsn }).connection, signal };
  let lastError: unknown;
  for (const seed of parseDsn(dsn).hosts) {
    let conn: Connection;
    try {
      conn = await Connection.connect({ ...connection, host: seed.host, port: seed.port });
    } catch (error) {
      if (error instanceof AuthenticationError || signal?.aborted) throw error;
      lastError = error;
      continue;
    }
    try {
      return await work(conn, connection);
    } finally {
      await conn.close();
    }
  }
  throw lastError;
}
