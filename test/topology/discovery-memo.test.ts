import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { QueryResult } from '../../src/protocol/query-types.js';
import { discoverInstances, DiscoveryMemo, type DiscoveredInstance, type DiscoveryQueryable } from '../../src/topology/discover.js';
import { CURRENT_DISCOVERY_SQL } from '../../src/topology/discovery-sql.js';

type Row = Record<string, unknown>;

/** Fresh row objects each round, json columns decoded anew, as the row decoder gives them. */
function rowFor(k: number, patch: Row = {}): Row {
  return {
    name: `i${k}`, uuid: `u-${k}`, raft_id: k, replicaset_name: `r${k % 10}`, replicaset_uuid: `ru${k % 10}`,
    current_state: ['Online', 1], target_state: ['Online', 1], failure_domain: { zone: `z${k % 3}` }, tier: 'default',
    address: `127.0.0.${1 + (k % 200)}:${5000 + k}`, ...patch,
  };
}

/** Answers the current discovery statement with whatever `rows()` gives at the time. */
function server(rows: () => Row[]): DiscoveryQueryable {
  const query = async (sql: string): Promise<QueryResult<never>> => {
    if (sql !== CURRENT_DISCOVERY_SQL) throw new Error(`unexpected SQL ${sql}`);
    const r = rows();
    return { rows: r as never[], fields: [], command: 'SELECT', rowCount: r.length };
  };
  return { query } as unknown as DiscoveryQueryable;
}

const N = 60;
const base = (): Row[] => Array.from({ length: N }, (_, k) => rowFor(k + 1));

/** One round with the memo, checked against the same rows parsed without it. */
async function round(memo: DiscoveryMemo<DiscoveredInstance>, rows: Row[]): Promise<DiscoveredInstance[]> {
  const withMemo = await discoverInstances(server(() => rows.map((r) => structuredClone(r))), { schema: 'current', self: false, memo });
  const plain = await discoverInstances(server(() => rows.map((r) => structuredClone(r))), { schema: 'current', self: false });
  assert.deepEqual(withMemo.instances, plain.instances);
  assert.deepEqual(withMemo.warnings, plain.warnings);
  return withMemo.instances;
}

describe('DiscoveryMemo', () => {
  test('an unchanged round reuses every instance and gives what parsing again gives', async () => {
    const memo = new DiscoveryMemo<DiscoveredInstance>();
    const first = await round(memo, base());
    const second = await round(memo, base());
    assert.equal(second.length, N);
    for (let k = 0; k < N; k++) assert.equal(second[k], first[k], `instance ${k} reused`);
  });

  test('a round of the very same row objects (a connection that reused every row) gives the last round again, as a fresh array', async () => {
    const memo = new DiscoveryMemo<DiscoveredInstance>();
    // One row listed twice and one without an address: the warnings must come back with the reused round.
    const rows = [...base(), rowFor(1), rowFor(N + 1, { address: null })];
    const same = server(() => rows);
    const first = await discoverInstances(same, { schema: 'current', self: false, memo });
    const second = await discoverInstances(same, { schema: 'current', self: false, memo });
    assert.deepEqual(second.warnings, first.warnings);
    assert.ok(first.warnings.length >= 2, first.warnings.join('; '));
    assert.notEqual(second.instances, first.instances, 'a new array');
    assert.equal(second.instances.length, first.instances.length);
    for (let k = 0; k < first.instances.length; k++) assert.equal(second.instances[k], first.instances[k]);
    // The caller may do what it likes with its array: the next round is not affected.
    second.instances.length = 0;
    const third = await discoverInstances(same, { schema: 'current', self: false, memo });
    assert.equal(third.instances.length, first.instances.length);
    // One row object replaced: that round is taken row by row, and the change shows.
    rows[5] = rowFor(6, { address: '127.0.0.9:6000' });
    const fourth = await discoverInstances(same, { schema: 'current', self: false, memo });
    assert.equal(fourth.instances.find((i) => i.name === 'i6')?.addressText, '127.0.0.9:6000');
    assert.equal(fourth.instances.find((i) => i.name === 'i7'), first.instances.find((i) => i.name === 'i7'));
  });

  const changes: Array<[string, Row]> = [
    ['a new incarnation', { current_state: ['Online', 2] }],
    ['a new state', { current_state: ['Offline', 1] }],
    ['a new target state', { target_state: ['Offline', 1] }],
    ['the state as text', { current_state: '["Online",1]' }],
    ['a new address', { address: '127.0.0.9:6000' }],
    ['a wildcard address', { address: '0.0.0.0:6000' }],
    ['no address', { address: null }],
    ['a new failure domain value', { failure_domain: { zone: 'elsewhere' } }],
    ['one more failure domain key', { failure_domain: { zone: 'z1', rack: 'r1' } }],
    ['a failure domain as text', { failure_domain: '{"zone":"z1"}' }],
    ['a new tier', { tier: 'storage' }],
    ['a new name', { name: 'renamed' }],
    ['a new replicaset', { replicaset_name: 'other', replicaset_uuid: 'other-u' }],
    ['a new raft id', { raft_id: 1000 }],
    ['a raft id as bigint', { raft_id: 37n }],
    ['an extra column', { picodata_version: '26.1.0' }],
  ];
  for (const [what, patch] of changes) {
    test(`${what} on one row out of ${N} is seen, and the other rows are still reused`, async () => {
      const memo = new DiscoveryMemo<DiscoveredInstance>();
      const first = await round(memo, base());
      await round(memo, base());
      const changed = base();
      changed[36] = rowFor(37, patch);
      const after = await round(memo, changed);
      const was = first.find((i) => i.uuid === 'u-37')!;
      const now = after.find((i) => i.uuid === 'u-37')!;
      assert.notEqual(now, was, 'the changed row was parsed again');
      assert.equal(after.filter((i) => first.includes(i)).length, N - 1, 'every other instance reused');
      // And back: the row is compared with the latest round, not the first one.
      const back = await round(memo, base());
      assert.notEqual(back.find((i) => i.uuid === 'u-37'), now);
    });
  }

  test('joins and leaves', async () => {
    const memo = new DiscoveryMemo<DiscoveredInstance>();
    await round(memo, base());
    const joined = await round(memo, [...base(), rowFor(N + 1)]);
    assert.equal(joined.at(-1)!.uuid, `u-${N + 1}`);
    const left = await round(memo, base().filter((r) => r.uuid !== 'u-5'));
    assert.equal(left.length, N - 1);
    assert.ok(!left.some((i) => i.uuid === 'u-5'));
    const rejoined = await round(memo, base());
    assert.equal(rejoined.length, N);
  });

  test('warnings of reused rows, skipped rows and duplicates come back every round', async () => {
    const memo = new DiscoveryMemo<DiscoveredInstance>();
    const odd = [
      ...base(),
      rowFor(N + 1, { address: '0.0.0.0:1' }),
      rowFor(N + 2, { current_state: 'garbage' }),
      rowFor(N + 3, { failure_domain: 'not json' }),
      rowFor(7, { name: 'twin' }),
      rowFor(N + 4, { uuid: '' }),
    ];
    for (let k = 0; k < 3; k++) {
      const r = await discoverInstances(server(() => odd.map((x) => structuredClone(x))), { schema: 'current', self: false, memo });
      assert.equal(r.warnings.length, 5, r.warnings.join('\n'));
      assert.equal(r.instances.find((i) => i.uuid === 'u-7')!.name, 'i7', 'the first of two rows wins');
      assert.ok(!r.instances.some((i) => i.uuid === `u-${N + 2}`));
    }
    await round(memo, odd);
  });
});
