/** What the header says about the machine, the server and the versions measured. */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { StandIn } from '../src/testkit/index.js';
import { pgbenchVersion } from './pgbench.js';

export interface Environment {
  date: string;
  node: string;
  cpuCount: number;
  cpuModel: string;
  postgres: string;
  pgbench: string | undefined;
  versions: Record<string, string>;
}

function packageVersion(root: string, name: string): string {
  try {
    const file = name === '.' ? join(root, 'package.json') : join(root, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function describeEnvironment(root: string, standIn: StandIn): Promise<Environment> {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpuCount: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    postgres: (await standIn.sql('SHOW server_version')).trim(),
    pgbench: pgbenchVersion(),
    versions: {
      picots: packageVersion(root, '.'),
      pg: packageVersion(root, 'pg'),
      'postgres.js': packageVersion(root, 'postgres'),
      'pg-protocol': packageVersion(root, 'pg-protocol'),
    },
  };
}

export function formatHeader(env: Environment, rounds: number, quick: boolean): string {
  const v = env.versions;
  const lines = [
    `picots benchmark, ${env.date}`,
    `Node ${env.node} · ${env.cpuCount} CPUs (${env.cpuModel}) · PostgreSQL ${env.postgres} · ${env.pgbench ?? 'pgbench: not found'}`,
    `picots ${v.picots} (pg-protocol ${v['pg-protocol']}) · pg ${v.pg} · postgres.js ${v['postgres.js']}`,
    'Server: a PostgreSQL stand-in (picots testkit: one PostgreSQL on loopback, TLS off, SCRAM user), not Picodata.',
    `Method: each driver × test in its own node process, ${rounds} round(s) interleaved (driver order rotates each round);`,
    '        figures are the median (min–max) over rounds; client CPU = process.cpuUsage() user+sys, all threads;',
    '        every query result is checked. Client and server share the machine\'s CPUs.',
  ];
  if (quick) lines.push('--quick: short runs that still include JIT warm-up (higher CPU per query); a smoke check, not a basis for the goals.');
  return lines.join('\n');
}
