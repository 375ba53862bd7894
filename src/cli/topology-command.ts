import { Connection } from '../protocol/connection.js';
import { parseDsn } from '../config/parse-dsn.js';
import { resolveClusterOptions } from '../config/cluster-options.js';
import { AuthenticationError } from '../errors.js';
import { discoverInstances, type DiscoveredInstance } from '../topology/discover.js';
import { formatInstanceState } from '../topology/instance-state.js';
import { cell, formatTable, toJson } from './format-table.js';

/** One row of `picots topology`. */
export interface TopologyRow {
  name: string;
  uuid: string;
  address: string | null;
  tier: string;
  replicaset: string;
  state: string;
  targetState: string | null;
  reachable: boolean;
  error: string | null;
}

/**
 * Reads the cluster's instances through the first seed that answers and tries to connect to each advertised
 * pgproto address, so the table says which ones this machine can reach.
 */
export async function topology(dsn: string, opts: { json: boolean; out: (text: string) => void }): Promise<void> {
  const resolved = resolveClusterOptions({ dsn });
  const seeds = parseDsn(dsn).hosts;
  let lastError: unknown;
  for (const seed of seeds) {
    let conn: Connection;
    try {
      conn = await Connection.connect({ ...resolved.connection, host: seed.host, port: seed.port });
    } catch (error) {
      if (error instanceof AuthenticationError) throw error; // never try a wrong password twice
      lastError = error;
      continue;
    }
    try {
      const result = await discoverInstances(conn);
      const rows = await Promise.all(result.instances.map((i) => check(i, resolved.connection)));
      if (opts.json) {
        opts.out(toJson({ self: result.selfUuid ?? null, schema: result.schema, instances: rows, warnings: result.warnings }));
      } else {
        opts.out(formatTable(
          ['name', 'uuid', 'address', 'tier', 'replicaset', 'state', 'reachable'],
          rows.map((r) => [r.name, r.uuid, cell(r.address), r.tier, r.replicaset, r.state, r.reachable ? 'yes' : `no (${r.error})`]),
        ));
        for (const w of result.warnings) opts.out(`warning: ${w}`);
      }
      return;
    } finally {
      await conn.close();
    }
  }
  throw lastError;
}

async function check(i: DiscoveredInstance, connection: ReturnType<typeof resolveClusterOptions>['connection']): Promise<TopologyRow> {
  const row: TopologyRow = {
    name: i.name,
    uuid: i.uuid,
    address: i.addressText ?? null,
    tier: i.tier,
    replicaset: i.replicasetName,
    state: formatInstanceState(i.state),
    targetState: i.targetState === undefined ? null : formatInstanceState(i.targetState),
    reachable: false,
    error: null,
  };
  if (i.address === undefined) {
    row.error = 'no usable pgproto address';
    return row;
  }
  try {
    const conn = await Connection.connect({ ...connection, host: i.address.host, port: i.address.port, connectTimeout: Math.min(3_000, connection.connectTimeout ?? 3_000) });
    await conn.close();
    row.reachable = true;
  } catch (error) {
    row.error = (error as Error).message;
  }
  return row;
}
