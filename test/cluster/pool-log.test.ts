import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { PoolLog } from '../../src/cluster/pool-log.js';
import { ConfigError, Pool, type LogFields } from '../../src/index.js';

const poolLog = new URL('../../src/cluster/pool-log.ts', import.meta.url).href;

function runChild(env: NodeJS.ProcessEnv): Promise<string> {
  const script = `import { PoolLog } from ${JSON.stringify(poolLog)};
const log = new PoolLog({ warn: () => {} });
if (log.debugEnabled) log.debug({ code: 'RETRY', attempt: 1 }, 'attempt 1 failed on instance i1');`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', () => resolve(output));
  });
}

test('debug lines go to NODE_DEBUG=picots when the logger has no debug, and nowhere without it', { timeout: 30_000 }, async () => {
  const { NODE_DEBUG: _ignored, ...env } = process.env;
  const on = await runChild({ ...env, NODE_DEBUG: 'picots' });
  assert.match(on, /PICOTS \d+: attempt 1 failed on instance i1 \{ code: 'RETRY', attempt: 1 \}/);
  const off = await runChild(env);
  assert.equal(off, '');
});

test('a logger with debug gets the debug lines; warn and info go to the logger, info only when it has one', () => {
  const calls: Array<[string, LogFields, string]> = [];
  const log = new PoolLog({
    warn: (f, m) => void calls.push(['warn', f, m]),
    debug: (f, m) => void calls.push(['debug', f, m]),
  });
  assert.equal(log.debugEnabled, true);
  log.debug({ code: 'RETRY' }, 'd');
  log.info({ code: 'INSTANCE_RECOVERED' }, 'i');
  log.warn({ code: 'INSTANCE_QUARANTINED' }, 'w');
  assert.deepEqual(calls, [['debug', { code: 'RETRY' }, 'd'], ['warn', { code: 'INSTANCE_QUARANTINED' }, 'w']]);
  new PoolLog(undefined).warn({ code: 'X' }, 'nowhere, and no throw');
});

test('console fits the logger option, and a logger that is not one is refused by name', () => {
  new Pool({ dsn: 'postgresql://app:Secret123@127.0.0.1:1/db', logger: console });
  assert.throws(() => new Pool({ dsn: 'postgresql://app:Secret123@127.0.0.1:1/db', logger: { warn: 1 } as never }), (e: unknown) => e instanceof ConfigError && /warn\(fields, message\)/.test(e.message));
  assert.throws(() => new Pool({ dsn: 'postgresql://app:Secret123@127.0.0.1:1/db', logger: { warn() {}, info: 'yes' } as never }), (e: unknown) => e instanceof ConfigError && /logger\.info/.test(e.message));
});

test('a logger that throws loses its line and nothing else', () => {
  const boom = (): never => {
    throw new Error('logger down');
  };
  const log = new PoolLog({ warn: boom, info: boom, debug: boom });
  log.warn({ code: 'A' }, 'a');
  log.info({ code: 'B' }, 'b');
  log.debug({ code: 'C' }, 'c');
});

test('info and debug are called on the logger, as pino\'s methods need', () => {
  const seen: unknown[] = [];
  const logger = {
    warn(this: unknown) {
      seen.push(this);
    },
    info(this: unknown) {
      seen.push(this);
    },
    debug(this: unknown) {
      seen.push(this);
    },
  };
  const log = new PoolLog(logger);
  log.warn({ code: 'A' }, 'a');
  log.info({ code: 'B' }, 'b');
  log.debug({ code: 'C' }, 'c');
  assert.deepEqual(seen, [logger, logger, logger]);
});
