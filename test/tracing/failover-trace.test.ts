/**
 * Tracing and logging across a failover, on a private stand-in cluster behind the fault-injecting gateway:
 * an instance is killed, a read fails over, the instance is quarantined and comes back, another leaves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Pool, TRACING_CHANNELS,
  type LogFields, type QuarantineMessage, type QueryTraceContext, type RecoverMessage, type RetryEvent, type TopologyChange,
} from '../../src/index.js';
import { startCluster } from '../../src/testkit/index.js';
import { eventually } from '../helpers/wait.js';
import { eventsOf, recordChannel, recordTracing, secretsIn } from './record-channels.js';

type LogCall = { level: 'warn' | 'info' | 'debug'; fields: LogFields; message: string };

test('a read that failed over: attempts 2, answered by the second instance; retry, quarantine, recover and topology published and logged', { timeout: 60_000 }, async () => {
  const cluster = await startCluster({ instances: 2 });
  const query = recordTracing<QueryTraceContext>(TRACING_CHANNELS.query);
  const retry = recordChannel<RetryEvent>(TRACING_CHANNELS.retry);
  const quarantine = recordChannel<QuarantineMessage>(TRACING_CHANNELS.quarantine);
  const recover = recordChannel<RecoverMessage>(TRACING_CHANNELS.recover);
  const topology = recordChannel<TopologyChange>(TRACING_CHANNELS.topologyChange);
  const logs: LogCall[] = [];
  const logger = {
    warn: (fields: LogFields, message: string) => void logs.push({ level: 'warn', fields, message }),
    info: (fields: LogFields, message: string) => void logs.push({ level: 'info', fields, message }),
    debug: (fields: LogFields, message: string) => void logs.push({ level: 'debug', fields, message }),
  };
  const dsn = cluster.dsn('scram');
  const pool = new Pool({
    dsn,
    enableDiscovery: true,
    maxSize: 2,
    connectTimeout: 1_000,
    refreshInterval: Infinity,
    logger,
    // i1 first whenever it is in rotation: the statement below is placed there, then fails over to i2.
    balanceStrategy: (candidates) => candidates.find((c) => c.name === 'i1') ?? candidates[0]!,
  });
  try {
    await pool.connect();
    const i1 = cluster.instance('i1');
    const i2 = cluster.instance('i2');
    assert.deepEqual(topology.messages.map((m) => ({ added: m.added.map((i) => i.name).sort(), removed: m.removed })), [{ added: ['i1', 'i2'], removed: [] }]);
    assert.deepEqual(logs.filter((l) => l.fields.code === 'INSTANCE_ADDED').map((l) => [l.level, l.fields.instance?.name]).sort(), [['info', 'i1'], ['info', 'i2']]);
    assert.equal(await pool.fetchval('SELECT pico_instance_uuid()'), i1.uuid, 'i1 serves while it is up');
    query.records.length = 0;

    await cluster.kill('i1');
    assert.equal(await pool.fetchval('SELECT pico_instance_uuid()'), i2.uuid);

    const ctx = query.records[0]!.ctx;
    assert.deepEqual(eventsOf(query.records, ctx), ['start', 'end', 'asyncStart', 'asyncEnd']);
    assert.equal(ctx.attempts, 2);
    assert.equal(ctx.instance?.name, 'i2');
    assert.equal(ctx.instance?.uuid, i2.uuid);
    assert.equal(`${ctx.serverAddress}:${ctx.serverPort}`, i2.address);
    assert.equal(ctx.error, undefined);

    assert.equal(retry.messages.length, 1);
    assert.equal(retry.messages[0]!.instance.name, 'i1');
    assert.equal(retry.messages[0]!.attempt, 1);
    assert.ok(retry.messages[0]!.error instanceof Error);
    assert.equal(typeof retry.messages[0]!.reason, 'string');
    const debug = logs.filter((l) => l.level === 'debug');
    assert.deepEqual(debug.map((l) => [l.fields.code, l.fields.instance?.name, l.fields.attempt]), [['RETRY', 'i1', 1]]);

    assert.equal(quarantine.messages.length, 1);
    assert.equal(quarantine.messages[0]!.instance.name, 'i1');
    assert.ok(quarantine.messages[0]!.error instanceof Error);
    const warned = logs.filter((l) => l.level === 'warn' && l.fields.code === 'INSTANCE_QUARANTINED');
    assert.equal(warned.length, 1);
    assert.equal(warned[0]!.fields.instance?.name, 'i1');
    assert.equal(warned[0]!.fields.instance?.uuid, i1.uuid);
    assert.equal(warned[0]!.fields.err, quarantine.messages[0]!.error);
    assert.match(warned[0]!.message, /instance i1 \(127\.[\d.]+:\d+\) is out of rotation/);

    await cluster.revive('i1');
    assert.ok(await eventually(() => recover.messages.length > 0, 15_000), 'i1 answers a probe and is back');
    assert.equal(recover.messages[0]!.instance.name, 'i1');
    assert.ok(logs.some((l) => l.level === 'info' && l.fields.code === 'INSTANCE_RECOVERED' && l.fields.instance?.name === 'i1'));

    await cluster.setState('i2', 'Offline');
    await pool.refresh();
    assert.equal(topology.messages.length, 2);
    assert.deepEqual(topology.messages[1]!.added, []);
    assert.deepEqual(topology.messages[1]!.removed.map((i) => i.name), ['i2']);
    assert.ok(logs.some((l) => l.level === 'info' && l.fields.code === 'INSTANCE_REMOVED' && l.fields.instance?.name === 'i2'));

    const payloads = [...query.records.map((r) => r.ctx), ...retry.messages, ...quarantine.messages, ...recover.messages, ...topology.messages, ...logs];
    assert.deepEqual(secretsIn(payloads, [cluster.users.scram.password, dsn]), [], 'no password or DSN in any payload or log call');
  } finally {
    query.stop();
    retry.stop();
    quarantine.stop();
    recover.stop();
    topology.stop();
    await pool.close();
    await cluster.stop();
  }
});

test('a logger with warn only gets the quarantine as warn({ code, instance, err }, message), and nothing at info', { timeout: 60_000 }, async () => {
  const cluster = await startCluster({ instances: 2 });
  const calls: Array<[LogFields, string]> = [];
  const pool = new Pool({
    dsn: cluster.dsn('scram'),
    enableDiscovery: true,
    maxSize: 2,
    connectTimeout: 1_000,
    refreshInterval: Infinity,
    logger: { warn: (fields, message) => void calls.push([fields, message]) },
    balanceStrategy: (candidates) => candidates.find((c) => c.name === 'i2') ?? candidates[0]!,
  });
  try {
    await pool.connect();
    assert.equal(calls.length, 0, 'joining instances are info, which this logger has not');
    await cluster.kill('i2');
    assert.equal(await pool.fetchval('SELECT pico_instance_uuid()'), cluster.instance('i1').uuid);
    assert.equal(calls.length, 1, calls.map((c) => c[1]).join('\n'));
    const [fields, message] = calls[0]!;
    assert.equal(fields.code, 'INSTANCE_QUARANTINED');
    assert.deepEqual(fields.instance, { address: cluster.instance('i2').address, uuid: cluster.instance('i2').uuid, name: 'i2' });
    assert.ok(fields.err instanceof Error);
    assert.match(message, /^instance i2 /);
  } finally {
    await pool.close();
    await cluster.stop();
  }
});
