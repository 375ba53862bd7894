import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionError, ServerError } from '../../src/errors.js';
import type { QueryResult } from '../../src/protocol/query-types.js';
import { discoverInstances, type DiscoveryQueryable, isUsable } from '../../src/topology/discover.js';
import {
  CURRENT_DISCOVERY_SQL, LEGACY_INSTANCES_SQL, LEGACY_PEER_ADDRESSES_SQL,
} from '../../src/topology/discovery-sql.js';

type Row = Record<string, unknown>;
type Shape = 'current' | 'legacy-24.6' | 'legacy-24.5';
type Dialect = 'postgres' | 'picodata';

interface FakeInstance {
  name: string;
  uuid: string;
  raftId: number | bigint | string;
  state: unknown;
  target?: unknown;
  address?: string;
  failureDomain?: unknown;
}

/**
 * A fake server: answers the discovery statements for one schema shape, and fails the others the way
 * PostgreSQL (the stand-in) or Picodata would. Records what it was sent.
 */
function fakeServer(opts: {
  shape: Shape;
  dialect?: Dialect;
  instances: FakeInstance[];
  functions?: Record<string, string | Error>;
  fail?: (sql: string) => Error | undefined;
}) {
  const sent: string[] = [];
  const dialect = opts.dialect ?? 'postgres';
  const missing = (what: 'column' | 'table' | 'function', name: string) =>
    dialect === 'postgres'
      ? new ServerError(what === 'column' ? '42703' : what === 'table' ? '42P01' : '42883',
        what === 'function' ? `function ${name}() does not exist` : `${what === 'table' ? 'relation' : 'column'} "${name}" does not exist`)
      : new ServerError('XX000', what === 'function' ? `SQL function ${name} not found` : `sbroad: ${what} with name "${name}" not found`);
  const result = (rows: unknown[]): QueryResult<never> => ({ rows: rows as never[], fields: [], command: 'SELECT', rowCount: rows.length });
  const query = async (sql: string): Promise<QueryResult<never>> => {
    sent.push(sql);
    const injected = opts.fail?.(sql);
    if (injected) throw injected;
    if (sql === CURRENT_DISCOVERY_SQL) {
      if (opts.shape === 'legacy-24.5') throw missing('column', 'name');
      if (opts.shape === 'legacy-24.6') throw missing('column', 'connection_type');
      return result(opts.instances.map((i) => ({
        name: i.name, uuid: i.uuid, raft_id: i.raftId, replicaset_name: `r_${i.name}`, replicaset_uuid: `ru_${i.name}`,
        current_state: i.state, target_state: i.target ?? i.state, failure_domain: i.failureDomain ?? {}, tier: 'default',
        address: i.address,
      })));
    }
    if (sql === LEGACY_INSTANCES_SQL) {
      if (opts.shape === 'current') {
        return result(opts.instances.map((i) => ({ name: i.name, uuid: i.uuid, raft_id: i.raftId, current_state: i.state, tier: 'default', picodata_version: '26.1.0' })));
      }
      return result(opts.instances.map((i) => (opts.shape === 'legacy-24.5'
        ? { instance_id: i.name, instance_uuid: i.uuid, raft_id: i.raftId, replicaset_id: `r_${i.name}`, replicaset_uuid: `ru_${i.name}`,
          current_grade: i.state, target_grade: i.target ?? i.state, failure_domain: i.failureDomain ?? '{}', tier: 'default' }
        : { name: i.name, uuid: i.uuid, raft_id: i.raftId, replicaset_name: `r_${i.name}`, replicaset_uuid: `ru_${i.name}`,
          current_state: i.state, target_state: i.target ?? i.state, failure_domain: i.failureDomain ?? {}, tier: 'default' })));
    }
    if (sql === LEGACY_PEER_ADDRESSES_SQL) {
      if (opts.shape === 'current') {
        return result(opts.instances.flatMap((i) => [
          { raft_id: i.raftId, address: `iproto-${i.name}:3301`, connection_type: 'iproto' },
          ...(i.address === undefined ? [] : [{ raft_id: i.raftId, address: i.address, connection_type: 'pgproto' }]),
        ]));
      }
      return result(opts.instances.map((i) => ({ raft_id: i.raftId, address: `iproto-${i.name}:3301` })));
    }
    const fn = /^SELECT (\w+)\(\)$/.exec(sql);
    if (fn) {
      const answer = opts.functions?.[fn[1]];
      if (answer === undefined) throw missing('function', fn[1]);
      if (answer instanceof Error) throw answer;
      return result([[answer]]);
    }
    throw new Error(`fake server: unexpected SQL ${sql}`);
  };
  return { db: { query } as unknown as DiscoveryQueryable, sent };
}

const I1 = { name: 'i1', uuid: 'u-1', raftId: 1, state: '["Online",1]', address: '127.0.0.1:4327' };
const I2 = { name: 'i2', uuid: 'u-2', raftId: 2, state: ['Offline', 0], address: '127.0.0.2:4327' };
const I3 = { name: 'i3', uuid: 'u-3', raftId: 3, state: ['Expelled', 1], address: '[::1]:4329' };

describe('current schema (Picodata 25.1+)', () => {
  test('returns every instance with its state, parsed address and this instance', async () => {
    const { db, sent } = fakeServer({ shape: 'current', instances: [I3, I1, I2], functions: { pico_instance_uuid: 'u-1', instance_uuid: 'u-1' } });
    const r = await discoverInstances(db);
    assert.equal(r.schema, 'current');
    assert.equal(r.selfUuid, 'u-1');
    assert.equal(r.selfUuidFunction, 'pico_instance_uuid');
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.instances.map((i) => i.uuid), ['u-1', 'u-2', 'u-3'], 'sorted by raft id');
    assert.deepEqual(r.instances[0], {
      uuid: 'u-1', name: 'i1', raftId: 1, address: { host: '127.0.0.1', port: 4327 }, addressText: '127.0.0.1:4327',
      replicasetName: 'r_i1', replicasetUuid: 'ru_i1', tier: 'default', failureDomain: {},
      state: { variant: 'Online', incarnation: 1 }, targetState: { variant: 'Online', incarnation: 1 },
    });
    assert.deepEqual(r.instances[1].state, { variant: 'Offline', incarnation: 0 });
    assert.deepEqual(r.instances[2].address, { host: '::1', port: 4329 });
    assert.deepEqual(sent, [CURRENT_DISCOVERY_SQL, 'SELECT pico_instance_uuid()']);
    assert.deepEqual(r.instances.filter(isUsable).map((i) => i.uuid), ['u-1'], 'only Online instances are usable');
  });

  test('falls back to instance_uuid() when pico_instance_uuid() does not exist (25.2)', async () => {
    for (const dialect of ['postgres', 'picodata'] as const) {
      const { db, sent } = fakeServer({ shape: 'current', dialect, instances: [I1], functions: { instance_uuid: 'u-1' } });
      const r = await discoverInstances(db);
      assert.equal(r.selfUuid, 'u-1');
      assert.equal(r.selfUuidFunction, 'instance_uuid');
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(sent.slice(1), ['SELECT pico_instance_uuid()', 'SELECT instance_uuid()']);
    }
  });

  test('a remembered function is tried first; after 26.3 only pico_instance_uuid() is left', async () => {
    const { db, sent } = fakeServer({ shape: 'current', instances: [I1], functions: { pico_instance_uuid: 'u-1' } });
    const r = await discoverInstances(db, { selfUuidFunction: 'instance_uuid' });
    assert.equal(r.selfUuid, 'u-1');
    assert.equal(r.selfUuidFunction, 'pico_instance_uuid');
    assert.deepEqual(sent.slice(1), ['SELECT instance_uuid()', 'SELECT pico_instance_uuid()']);
  });

  test('no self function: selfUuid undefined with a warning; self: false skips the question', async () => {
    const { db } = fakeServer({ shape: 'current', dialect: 'picodata', instances: [I1] });
    const r = await discoverInstances(db);
    assert.equal(r.selfUuid, undefined);
    assert.equal(r.selfUuidFunction, undefined);
    assert.match(r.warnings.join('\n'), /cannot tell which instance answered: pico_instance_uuid\(\) does not exist; instance_uuid\(\) does not exist/);
    const quiet = fakeServer({ shape: 'current', instances: [I1] });
    const r2 = await discoverInstances(quiet.db, { self: false });
    assert.deepEqual(quiet.sent, [CURRENT_DISCOVERY_SQL]);
    assert.deepEqual(r2.warnings, []);
  });

  test('a connection error while asking for self is thrown, not swallowed', async () => {
    const lost = new ConnectionError('reset', { phase: 'result', mayHaveReachedServer: true });
    const { db } = fakeServer({ shape: 'current', instances: [I1], functions: { pico_instance_uuid: lost } });
    await assert.rejects(discoverInstances(db), lost);
  });

  test('rows with unparsable state are skipped with a warning; a bad target only warns', async () => {
    const { db } = fakeServer({
      shape: 'current', instances: [I1, { ...I2, state: 'Online(?)' }, { ...I3, state: ['Online', 2], target: 'junk' }],
      functions: { pico_instance_uuid: 'u-1' },
    });
    const r = await discoverInstances(db);
    assert.deepEqual(r.instances.map((i) => i.uuid), ['u-1', 'u-3']);
    assert.equal(r.instances[1].targetState, undefined);
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0], /skipped instance i2 \(uuid u-2\): current state "Online\(\?\)" is not a state Picodata writes/);
    assert.match(r.warnings[1], /instance i3 \(uuid u-3\): target state "junk"/);
  });

  test('addresses: unparseable and wildcard ones are kept as text, unusable, with a warning', async () => {
    const { db } = fakeServer({
      shape: 'current', functions: { pico_instance_uuid: 'u-1' },
      instances: [{ ...I1, address: '0.0.0.0:4327' }, { ...I2, address: '::1:4327' }, { ...I3, address: '[::]:4327' }],
    });
    const r = await discoverInstances(db);
    assert.deepEqual(r.instances.map((i) => [i.address, i.addressText]), [
      [undefined, '0.0.0.0:4327'], [undefined, '::1:4327'], [undefined, '[::]:4327'],
    ]);
    assert.match(r.warnings[0], /instance i1 \(uuid u-1\) \(Online\(1\)\): unreachable advertised address 0\.0\.0\.0:4327/);
    assert.match(r.warnings[1], /cannot parse its pgproto address "::1:4327"/);
    assert.match(r.warnings[2], /unreachable advertised address \[::\]:4327/);
  });

  test('raft ids in any int8 mode; failure_domain as object or text; duplicates and blank rows', async () => {
    const { db } = fakeServer({
      shape: 'current', functions: { pico_instance_uuid: 'u-1' },
      instances: [
        { ...I1, raftId: '10', failureDomain: '{"zone":"msk","rack":7}' },
        { ...I2, raftId: 5n, failureDomain: { zone: 'spb' } },
        { ...I3, raftId: 7, failureDomain: '[1]' },
        { ...I1, raftId: 11 },
        { name: 'x', uuid: '', raftId: 12, state: I1.state },
      ],
    });
    const r = await discoverInstances(db);
    assert.deepEqual(r.instances.map((i) => [i.uuid, i.raftId, i.failureDomain]), [
      ['u-2', 5, { zone: 'spb' }], ['u-3', 7, {}], ['u-1', 10, { zone: 'msk', rack: '7' }],
    ]);
    assert.match(r.warnings.join('\n'), /instance i3 \(uuid u-3\): failure_domain "\[1\]" is not a json map/);
    assert.match(r.warnings.join('\n'), /instance i1 \(uuid u-1\): listed twice/);
    assert.match(r.warnings.join('\n'), /skipped instance x \(uuid \): the row has no usable name, uuid or raft_id/);
  });

  test('an error that is not about the schema is thrown as is (no fallback)', async () => {
    const denied = new ServerError('XX000', "Read access to space '_pico_instance' is denied for user 'bob'");
    const { db, sent } = fakeServer({ shape: 'current', instances: [I1], fail: (sql) => (sql === CURRENT_DISCOVERY_SQL ? denied : undefined) });
    await assert.rejects(discoverInstances(db), denied);
    assert.deepEqual(sent, [CURRENT_DISCOVERY_SQL]);
  });

  test('passes timeout and signal to every query, in object row mode', async () => {
    const seen: unknown[] = [];
    const signal = new AbortController().signal;
    const { db } = fakeServer({ shape: 'current', instances: [I1], functions: { pico_instance_uuid: 'u-1' } });
    const spy: DiscoveryQueryable = {
      query: ((sql: string, params: unknown[], options: unknown) => {
        seen.push(options);
        return db.query(sql, params, options as never);
      }) as DiscoveryQueryable['query'],
    };
    await discoverInstances(spy, { timeout: 1234, signal });
    assert.deepEqual(seen, [
      { rowMode: 'object', timeout: 1234, signal },
      { rowMode: 'array', timeout: 1234, signal },
    ]);
  });
});

describe('legacy schema (Picodata up to 24.7)', () => {
  for (const shape of ['legacy-24.5', 'legacy-24.6'] as const) {
    for (const dialect of ['postgres', 'picodata'] as const) {
      test(`${shape} on ${dialect}: detected, instances read, no pgproto address`, async () => {
        const { db, sent } = fakeServer({ shape, dialect, instances: [I2, I1], functions: { instance_uuid: 'u-2' } });
        const r = await discoverInstances(db);
        assert.equal(r.schema, 'legacy');
        assert.equal(r.selfUuid, 'u-2');
        assert.deepEqual(r.instances.map((i) => [i.name, i.uuid, i.raftId, i.state.variant, i.replicasetName]), [
          ['i1', 'u-1', 1, 'Online', 'r_i1'], ['i2', 'u-2', 2, 'Offline', 'r_i2'],
        ]);
        assert.equal(r.instances[0].address, undefined);
        assert.equal(r.instances[0].addressText, undefined);
        assert.equal(r.instances[0].iprotoAddress, 'iproto-i1:3301');
        assert.match(r.warnings[0], /legacy system tables .* iproto addresses only/);
        assert.deepEqual(sent.slice(0, 3), [CURRENT_DISCOVERY_SQL, LEGACY_INSTANCES_SQL, LEGACY_PEER_ADDRESSES_SQL]);
      });
    }
  }

  test('a remembered legacy schema is tried first', async () => {
    const old = fakeServer({ shape: 'legacy-24.5', instances: [I1] });
    const r = await discoverInstances(old.db, { schema: 'legacy', self: false });
    assert.equal(r.schema, 'legacy');
    assert.deepEqual(old.sent, [LEGACY_INSTANCES_SQL, LEGACY_PEER_ADDRESSES_SQL]);
  });

  test('a server upgraded since the legacy shape was remembered is noticed and read with the current statement', async () => {
    const { db, sent } = fakeServer({ shape: 'current', instances: [I1, I2], functions: { pico_instance_uuid: 'u-1' } });
    const r = await discoverInstances(db, { schema: 'legacy' });
    assert.equal(r.schema, 'current');
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.instances.map((i) => i.addressText), ['127.0.0.1:4327', '127.0.0.2:4327']);
    assert.deepEqual(sent.slice(0, 3), [LEGACY_INSTANCES_SQL, LEGACY_PEER_ADDRESSES_SQL, CURRENT_DISCOVERY_SQL]);
  });

  test('current tables whose columns the statement does not match (a later rename): SELECT * rows with pgproto addresses', async () => {
    const { db } = fakeServer({
      shape: 'current', instances: [I1, I2], functions: { pico_instance_uuid: 'u-1' },
      fail: (sql) => (sql === CURRENT_DISCOVERY_SQL ? new ServerError('XX000', 'column with name "tier" not found') : undefined),
    });
    const r = await discoverInstances(db);
    assert.equal(r.schema, 'current');
    assert.deepEqual(r.instances.map((i) => [i.uuid, i.addressText, i.address?.port, i.state.variant]), [
      ['u-1', '127.0.0.1:4327', 4327, 'Online'], ['u-2', '127.0.0.2:4327', 4327, 'Offline'],
    ]);
    assert.equal(r.instances[0].iprotoAddress, undefined);
    assert.match(r.warnings[0], /the discovery statement failed \(column with name "tier" not found/);
  });

  test('both shapes missing: the current shape error is thrown', async () => {
    const { db } = fakeServer({
      shape: 'current', instances: [],
      fail: (sql) => (sql === CURRENT_DISCOVERY_SQL ? new ServerError('42P01', 'relation "_pico_instance" does not exist')
        : sql === LEGACY_INSTANCES_SQL ? new ServerError('42P01', 'relation "_pico_instance" does not exist (legacy)') : undefined),
    });
    await assert.rejects(discoverInstances(db), (e: unknown) => e instanceof ServerError && !e.message.includes('legacy'));
  });

  test('a failing legacy peer-address read costs only the iproto addresses', async () => {
    const { db } = fakeServer({
      shape: 'legacy-24.6', instances: [I1], functions: { instance_uuid: 'u-1' },
      fail: (sql) => (sql === LEGACY_PEER_ADDRESSES_SQL ? new ServerError('XX000', 'access denied') : undefined),
    });
    const r = await discoverInstances(db);
    assert.equal(r.instances.length, 1);
    assert.equal(r.instances[0].iprotoAddress, undefined);
    assert.match(r.warnings.join('\n'), /could not read _pico_peer_address: access denied/);
  });
});
