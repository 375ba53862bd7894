/**
 * Type-level checks, run by `npm run typecheck` (tsc), not by the test runner: the strategy types accept
 * what users write, mutable arrays included (picopyn's users write `(connections: ConnectionHandle[]) => ...`),
 * and still refuse strategies that return the wrong thing. A `@ts-expect-error` that no longer finds an
 * error fails tsc too, so this file cannot pass by the types becoming `any`.
 */
import type { ConnectionHandle, ConnectionStrategy, InstanceInfo, NodeStrategy, PoolOptions } from '../../src/index.js';

const mutableConnections = (connections: ConnectionHandle[]): ConnectionHandle => connections.sort((a, b) => a.inFlight - b.inFlight)[0]!;
const readonlyConnections = (connections: readonly ConnectionHandle[]): ConnectionHandle => connections[0]!;
const mutableNodes = (candidates: InstanceInfo[]): InstanceInfo => candidates.reverse()[0]!;
const mutableNodesWithContext = (candidates: InstanceInfo[], ctx: { attempt: number }): InstanceInfo => candidates[ctx.attempt % candidates.length]!;
const readonlyNodes = (candidates: readonly InstanceInfo[]): InstanceInfo => candidates[0]!;

export const accepted: PoolOptions[] = [
  { dsn: '', connectionStrategy: mutableConnections },
  { dsn: '', connectionStrategy: readonlyConnections },
  { dsn: '', balanceStrategy: mutableNodes },
  { dsn: '', balanceStrategy: mutableNodesWithContext },
  { dsn: '', balanceStrategy: readonlyNodes },
  { dsn: '', balanceStrategy: (candidates) => candidates[0]! },
];

export const typed: [ConnectionStrategy<ConnectionHandle>, NodeStrategy] = [mutableConnections, mutableNodes];

// A strategy built in picots can still be called with a readonly list.
export const callable = (s: NodeStrategy, list: readonly InstanceInfo[]): InstanceInfo => s(list, { attempt: 1, exclude: new Set() });

export const refused: PoolOptions[] = [
  // @ts-expect-error returns an index, not a connection
  { dsn: '', connectionStrategy: (connections: ConnectionHandle[]) => connections.length - 1 },
  // @ts-expect-error returns a name, not an instance
  { dsn: '', balanceStrategy: (candidates: InstanceInfo[]) => candidates[0]!.name },
  // @ts-expect-error takes something that is not a list of connections
  { dsn: '', connectionStrategy: (connections: string[]) => connections[0] },
  // @ts-expect-error not a built-in name
  { dsn: '', balanceStrategy: 'round_robin' },
];
