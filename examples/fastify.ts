/**
 * A Fastify service over one shared Pool: every request runs its statements through the pool (pipelined,
 * balanced over the cluster's instances), and SIGTERM closes the server first, then the pool, so the
 * requests already accepted finish.
 *
 *   PICOTS_DSN=postgresql://app:Secret123@10.0.0.1:4327 node --import tsx examples/fastify.ts
 */
import Fastify from 'fastify';
import { ConfigError, OutcomeUnknownError, Pool, ServerError } from 'picots';

const pool = new Pool({
  dsn: process.env.PICOTS_DSN ?? 'postgresql://app:Secret123@127.0.0.1:4327',
  enableDiscovery: true, // find every Online instance from the seed address
  maxSize: 16, // connections over all instances together
  queryTimeout: 2_000, // one deadline per statement: the wait for a connection and the execution
});

const app = Fastify({ logger: true });
pool.on('instanceQuarantined', (instance, error) => app.log.warn({ instance: instance.name, err: error.message }, 'instance out of rotation'));

interface Item { id: number; name: string; price: string }

app.get<{ Params: { id: string } }>('/items/:id', async (request, reply) => {
  // A plain SELECT is a read: if its instance dies mid-statement, picots runs it again on another one.
  const item = await pool.fetchrow<Item>('SELECT id, name, price FROM items WHERE id = $1', [Number(request.params.id)]);
  return item ?? reply.code(404).send({ error: 'no such item' });
});

app.put<{ Params: { id: string }; Body: { name: string; price: string } }>('/items/:id', async (request, reply) => {
  try {
    // The same row written twice is the same row: marked idempotent, it may be retried after a lost answer.
    await pool.execute('UPDATE items SET name = $2, price = $3 WHERE id = $1', [Number(request.params.id), request.body.name, request.body.price], { idempotent: true });
    return { ok: true };
  } catch (error) {
    if (error instanceof OutcomeUnknownError) return reply.code(503).send({ error: 'unknown outcome, check before retrying' });
    if (error instanceof ServerError) return reply.code(400).send({ error: error.message, sqlstate: error.code });
    throw error;
  }
});

async function main(): Promise<void> {
  await pool.connect(); // fail at start-up, not at the first request, when no instance is reachable
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
}

process.once('SIGTERM', () => {
  // Stop accepting requests and finish the open ones, then let statements and sessions drain (at most 10 s).
  app.close()
    .then(() => pool.close({ drainTimeout: 10_000 }))
    .catch((error: unknown) => app.log.error(error))
    .finally(() => process.exit(0));
});

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `bad option ${error.option}: ${error.message}` : error);
  process.exit(1);
});
