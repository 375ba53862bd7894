/** The HealthMonitor with a fake clock and node:test's mocked timers: quarantine, probes, recovery. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { HealthMonitor, type MonitoredMember } from '../../src/cluster/health-monitor.js';
import { ConnectionError, ServerError } from '../../src/errors.js';
import { Quarantine } from '../../src/failover/quarantine.js';
import { tick } from '../helpers/wait.js';

class FakeMember implements MonitoredMember {
  readonly health = new Quarantine({ random: () => 0.5 }); // 500 ms, 1000 ms, ... without jitter
  lastError: Error | undefined;
  watched = true;
  probes = 0;
  /** What the next probes do, in order; then they succeed. */
  answers: Array<'ok' | Error> = [];
}

function setup(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  const events: string[] = [];
  const monitor = new HealthMonitor<FakeMember>({
    clock: { now: () => now },
    isWatched: (m) => m.watched,
    probe: async (m) => {
      m.probes++;
      const a = m.answers.shift() ?? 'ok';
      if (a instanceof Error) throw a;
    },
    isInstanceFault: (e) => e instanceof ConnectionError,
    quarantined: (_m, e) => events.push(`out:${e.message}`),
    recovered: () => events.push('back'),
  });
  /** Moves the fake clock and the mocked timers together, then lets the probe's promise settle. */
  const advance = async (ms: number): Promise<void> => {
    now += ms;
    t.mock.timers.tick(ms);
    await tick();
  };
  return { monitor, events, advance };
}

const refused = () => new ConnectionError('connect ECONNREFUSED', { phase: 'connect', mayHaveReachedServer: false });

test('a burst of failures quarantines once; the probe after the backoff brings the instance back', async (t) => {
  const { monitor, events, advance } = setup(t);
  const m = new FakeMember();
  for (let i = 0; i < 5; i++) monitor.failed(m, refused());
  assert.deepEqual(events, ['out:connect ECONNREFUSED'], 'one quarantine for the whole burst');
  assert.equal(m.health.failures, 1, 'the backoff did not grow with the burst');
  await advance(499);
  assert.equal(m.probes, 0, 'no probe before the backoff ends');
  await advance(1);
  assert.equal(m.probes, 1);
  assert.deepEqual(events.at(-1), 'back');
  assert.equal(m.health.isQuarantined(), false);
});

test('a failed probe doubles the backoff; the next one recovers', async (t) => {
  const { monitor, events, advance } = setup(t);
  const m = new FakeMember();
  m.answers = [refused()];
  monitor.failed(m, refused());
  await advance(500);
  assert.equal(m.probes, 1);
  assert.equal(m.health.failures, 2);
  await advance(999);
  assert.equal(m.probes, 1, 'waits the doubled backoff');
  await advance(1);
  assert.equal(m.probes, 2);
  assert.equal(events.at(-1), 'back');
});

test('a probe the server answers with an error still proves the instance is up', async (t) => {
  const { monitor, events, advance } = setup(t);
  const m = new FakeMember();
  m.answers = [new ServerError('42883', 'function pico_instance_uuid() does not exist', { severity: 'ERROR' })];
  monitor.failed(m, refused());
  await advance(500);
  assert.equal(events.at(-1), 'back');
});

test('an instance that left rotation, or a stopped monitor, is not probed', async (t) => {
  const { monitor, advance } = setup(t);
  const gone = new FakeMember();
  monitor.failed(gone, refused());
  gone.watched = false;
  await advance(1_000);
  assert.equal(gone.probes, 0);

  const m = new FakeMember();
  monitor.failed(m, refused());
  monitor.stop();
  await advance(10_000);
  assert.equal(m.probes, 0);
  monitor.failed(m, refused());
  assert.equal(m.lastError?.message, 'connect ECONNREFUSED', 'failures are still recorded after stop');
});
