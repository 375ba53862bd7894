/**
 * What failover retries, and what it leaves to you. Picodata autocommits every statement, so a statement
 * whose connection was lost after it was sent may have been applied:
 *
 * - a read (a plain SELECT, or `readOnly: true`) is run again on another instance;
 * - a write marked `idempotent: true` is run again too (running it twice is harmless);
 * - any other write fails with `OutcomeUnknownError`: look before you write again;
 * - a statement that provably never reached a server is always run again.
 *
 *   PICOTS_DSN=postgresql://app:Secret123@10.0.0.1:4327 node --import tsx examples/failover.ts
 */
import { Client, ConnectionError, NoInstanceAvailableError, OutcomeUnknownError } from 'picots';

async function main(): Promise<void> {
  const client = new Client({ dsn: process.env.PICOTS_DSN ?? 'postgresql://app:Secret123@127.0.0.1:4327', maxAttempts: 3 });
  client.on('retry', (e) => console.log(`attempt ${e.attempt} failed on ${e.instance.name ?? e.instance.address}: ${e.reason}`));
  client.on('instanceQuarantined', (instance) => console.log(`${instance.address} out of rotation, probed in the background`));
  client.on('instanceRecovered', (instance) => console.log(`${instance.address} back`));
  try {
    await client.connect();

    // Reads fail over on their own.
    const count = await client.fetchval<number>('SELECT count(*) FROM orders');

    // picots guesses reads from the text (a single SELECT, VALUES or WITH without writes); readOnly says it
    // outright, and readOnly: false keeps a SELECT with side effects from being run twice.
    await client.fetch('SELECT id, status FROM orders WHERE id = $1', [42], { readOnly: true });

    // Setting a value is idempotent: applying it twice leaves the same row, so it may be retried.
    await client.execute('UPDATE orders SET status = $2 WHERE id = $1', [42, 'paid'], { idempotent: true, timeout: 3_000 });

    // An increment is not idempotent: when its outcome is unknown, read before deciding.
    try {
      await client.execute('UPDATE counters SET n = n + 1 WHERE id = $1', [1]);
    } catch (error) {
      if (!(error instanceof OutcomeUnknownError)) throw error;
      console.log(`unknown outcome on ${error.instance} (${error.phase}):`, (error.cause as Error | undefined)?.message);
      const n = await client.fetchval<number>('SELECT n FROM counters WHERE id = $1', [1]);
      console.log(`the counter is now ${n}; apply the increment again only if it did not move`);
    }
    console.log(`${count} orders`);
  } catch (error) {
    if (error instanceof NoInstanceAvailableError) {
      for (const [address, failure] of error.failures) console.log(`${address}: ${failure.message}`);
    } else if (error instanceof ConnectionError) {
      console.log(`connection failed (${error.phase}); may have reached the server: ${error.mayHaveReachedServer}`);
    }
    throw error;
  } finally {
    await client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
