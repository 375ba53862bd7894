/**
 * Picodata's query-metadata notice on the client side: read robustly, cached per pool by SQL text (bounded),
 * and never surfaced as a user notice. The server here is a node:net listener on 127.0.0.1 that answers a
 * statement as Picodata does with `pico_query_metadata=true`: NoticeResponse(C=00000, JSON) before ParseComplete.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it, test } from 'node:test';
import { Connection, type Notice } from '../../src/protocol/connection.js';
import { MALFORMED, QueryMetadataCache, readQueryMetadata, type QueryMetadata } from '../../src/protocol/query-metadata.js';
import { cstring, int16, int32, message } from '../helpers/backend-messages.js';
import { loopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

const SQL = 'insert into t (a, b) values ($1, $2)';
const metadataJson = (query: string, dk: unknown = [[1, 20]], tier: unknown = 'default') =>
  JSON.stringify({ type: 'PreparedStatementMetadata', query, tier, dk_meta: dk });

describe('readQueryMetadata', () => {
  it('reads what Picodata sends', () => {
    assert.deepEqual(readQueryMetadata(metadataJson(SQL, [[4, 1184], [2, 1700]])), { query: SQL, tier: 'default', dkMeta: [[4, 1184], [2, 1700]] });
    assert.deepEqual(readQueryMetadata(metadataJson('select 1', [], null)), { query: 'select 1', tier: null, dkMeta: [] });
  });

  it('calls a broken metadata notice malformed, and leaves every other notice alone', () => {
    for (const bad of [
      '{"type":"PreparedStatementMetadata","query":', // cut short
      metadataJson(SQL, 'x'),
      metadataJson(SQL, [[0, 20]]),
      metadataJson(SQL, [[1.5, 20]]),
      metadataJson(SQL, [[1, 20, 3]]),
      metadataJson(SQL, [[1, -1]]),
      metadataJson(SQL, [[1, 20]], 7),
      JSON.stringify({ type: 'PreparedStatementMetadata', query: 1, tier: null, dk_meta: [] }),
    ]) assert.equal(readQueryMetadata(bad), MALFORMED, bad);
    for (const other of [undefined, '', 'relation "t" does not exist, skipping', '{"type":"Other","note":"PreparedStatementMetadata"}', '["PreparedStatementMetadata"]']) {
      assert.equal(readQueryMetadata(other), undefined, String(other));
    }
  });
});

describe('QueryMetadataCache', () => {
  const meta = (query: string, dk: ReadonlyArray<readonly [number, number]> = []): QueryMetadata => ({ query, tier: 'default', dkMeta: dk });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new QueryMetadataCache(2);
    cache.record(meta('a'));
    cache.record(meta('b'));
    assert.ok(cache.get('a'));
    cache.record(meta('c'));
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined, 'b was the least recently used');
    assert.ok(cache.get('a') && cache.get('c'));
  });

  it('keeps the newest metadata of a statement', () => {
    const cache = new QueryMetadataCache(2);
    cache.record(meta('a', [[1, 20]]));
    cache.record(meta('a', [[1, 25]]));
    assert.equal(cache.size, 1);
    assert.deepEqual(cache.get('a')?.dkMeta, [[1, 25]]);
  });
});

const AUTH_OK = message('R', int32(0));
const READY = message('Z', Buffer.from('I'));
const notice = (fields: Record<string, string>) =>
  message('N', Buffer.concat([...Object.entries(fields).map(([k, v]) => cstring(`${k}${v}`)), Buffer.from([0])]));

/** Answers every Sync of a Parse/Describe/Bind/Execute statement with the given notices before ParseComplete. */
function metadataServer(noticesFor: (sql: string) => Buffer[]): Promise<LoopbackServer> {
  return loopbackServer((socket) => {
    let startedUp = false;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (!startedUp) {
        startedUp = true;
        socket.write(Buffer.concat([AUTH_OK, READY]));
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      // Walk whole messages; answer each Parse's statement at its Sync.
      let sql: string | undefined;
      const out: Buffer[] = [];
      while (pending.length >= 5 && pending.length >= 1 + pending.readUInt32BE(1)) {
        const type = String.fromCharCode(pending[0]!);
        const body = pending.subarray(5, 1 + pending.readUInt32BE(1));
        pending = pending.subarray(1 + pending.readUInt32BE(1));
        if (type === 'P') {
          const nameEnd = body.indexOf(0);
          sql = body.toString('utf8', nameEnd + 1, body.indexOf(0, nameEnd + 1));
          out.push(...noticesFor(sql), message('1'));
        } else if (type === 'D') out.push(message('t', int16(0)), message('n'));
        else if (type === 'B') out.push(message('2'));
        else if (type === 'E') out.push(message('C', cstring('INSERT 0 1')));
        else if (type === 'S') out.push(READY);
      }
      if (out.length > 0) socket.write(Buffer.concat(out));
    });
  });
}

test('a connection caches the metadata notice, never emits it, and still emits ordinary notices', { timeout: 15_000 }, async () => {
  const server = await metadataServer((sql) => sql === SQL
    ? [notice({ S: 'NOTICE', C: '00000', M: metadataJson(SQL, [[2, 25], [1, 20]]) })]
    : [
      notice({ S: 'NOTICE', C: '00000', M: '{"type":"PreparedStatementMetadata","query":"broken' }),
      notice({ S: 'NOTICE', C: '00000', M: 'an ordinary notice' }),
    ]);
  const cache = new QueryMetadataCache(10);
  const conn = await Connection.connect({ host: '127.0.0.1', port: server.port, user: 'app', ssl: 'disable', connectTimeout: 5_000, metadataCache: cache });
  try {
    const notices: Notice[] = [];
    conn.on('notice', (n) => notices.push(n));
    const result = await conn.query(SQL, [1, 'x'], { timeout: 5_000 });
    assert.equal(result.command, 'INSERT');
    assert.deepEqual(cache.get(SQL), { query: SQL, tier: 'default', dkMeta: [[2, 25], [1, 20]] });
    assert.equal(notices.length, 0, 'the metadata is not a notice for the user');

    await conn.query('insert into u values ($1)', [1], { timeout: 5_000 });
    assert.equal(cache.get('insert into u values ($1)'), undefined, 'a malformed metadata notice is ignored');
    assert.deepEqual(notices.map((n) => n.message), ['an ordinary notice']);
    assert.equal(cache.size, 1);
  } finally {
    await conn.close();
    await server.close();
  }
});

test('without a cache the metadata notice is dropped, not emitted', { timeout: 15_000 }, async () => {
  const server = await metadataServer(() => [notice({ S: 'NOTICE', C: '00000', M: metadataJson(SQL) })]);
  const conn = await Connection.connect({ host: '127.0.0.1', port: server.port, user: 'app', ssl: 'disable', connectTimeout: 5_000 });
  try {
    const notices: Notice[] = [];
    conn.on('notice', (n) => notices.push(n));
    await conn.query(SQL, [1, 'x'], { timeout: 5_000 });
    assert.equal(notices.length, 0);
  } finally {
    await conn.close();
    await server.close();
  }
});
