import { discoverInstances, type DiscoveredInstance } from '../topology/discover.js';
import { formatInstanceState } from '../topology/instance-state.js';
import type { CliCommand } from './cli-command.js';
import { showArgument, takeDsn } from './dsn-argument.js';
import { cell, formatTable, toJson } from './format-table.js';
import { Connection } from '../protocol/connection.js';
import { UsageError } from './usage-error.js';
import { withSeedConnection, type SeedConnectOptions } from './seed-connection.js';
import { parseInterval, watch } from './watch.js';

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

/** What one look at the cluster found; `--json` prints it as it is. */
export interface TopologyView {
  /** The uuid of the instance that answered discovery, when it could tell. */
  self: string | null;
  schema: string;
  instances: TopologyRow[];
  warnings: string[];
}

/** `picots topology`: the instances discovery sees and whether this machine can reach each. */
export const topologyCommand: CliCommand = {
  name: 'topology',
  synopsis: 'topology [<dsn>] [--json] [--watch [--interval <ms>]]',
  summary: "the cluster's instances and whether each can be reached",
  options: {
    watch: { type: 'boolean', description: 'look again and redraw every interval, until Ctrl-C' },
    interval: { type: 'string', valueName: '<ms>', description: 'milliseconds between looks with --watch (default 2000, at least 100)' },
  },
  async run(input, io) {
    const { dsn, rest } = takeDsn(input.positionals, io.env);
    if (rest.length > 0) throw new UsageError(`one argument is expected, the DSN; also got '${showArgument(rest[0]!)}'`);
    const interval = input.values.interval as string | undefined;
    if (interval !== undefined && input.values.watch !== true) throw new UsageError('--interval goes with --watch');
    if (input.values.watch === true) {
      const intervalMs = parseInterval(interval);
      return watch({ title: 'picots topology', intervalMs, json: input.json, read: () => readTopology(dsn, io.signal), format: formatTopology }, io);
    }
    const view = await readTopology(dsn, io.signal);
    io.out(input.json ? toJson(view) : formatTopology(view));
    return 0;
  },
};

/** The view as a table with its warnings underneath. */
export function formatTopology(view: TopologyView): string {
  const table = formatTable(
    ['name', 'uuid', 'address', 'tier', 'replicaset', 'state', 'reachable'],
    view.instances.map((r) => [r.name, r.uuid, cell(r.address), r.tier, r.replicaset, r.state, r.reachable ? 'yes' : `no (${r.error})`]),
  );
  return [table, ...view.warnings.map((w) => `warning: ${w}`)].join('\n');
}

/**
 * Reads the cluster's instances through the first seed that answers and tries to connect to each advertised
 * pgproto address, so the view says which ones this machine can reach. `signal` (Ctrl-C) aborts the
 * connects and the discovery queries.
 */
export async function readTopology(dsn: string, signal?: AbortSignal): Promise<TopologyView> {
  return withSeedConnection(dsn, signal, async (conn, connection) => {
    const result = await discoverInstances(conn, { signal });
    const instances = await Promise.all(result.instances.map((i) => check(i, connection)));
    return { self: result.selfUuid ?? null, schema: result.schema, instances, warnings: result.warnings };
  });
}

async function check(i: DiscoveredInstance, connection: SeedConnectOptions): Promise<TopologyRow> {
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
