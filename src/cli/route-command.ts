import type { CliCommand } from './cli-command.js';
import { DSN_ENV, showArgument, takeDsn } from './dsn-argument.js';
import { escapeControl, toJson } from './format-table.js';
import { KEY_PART_RULES, parseKeyArguments } from './key-arguments.js';
import { lookUpRoute, type RouteView } from './route-lookup.js';
import { UsageError } from './usage-error.js';

/** `picots route`: where a sharding key lives and where a keyed write would go now. */
export const routeCommand: CliCommand = {
  name: 'route',
  synopsis: 'route [<dsn>] <key parts...> [--tier <name>] [--bucket-count <n>] [--json]',
  summary: "a key's bucket, owning replicaset, leader, and where a keyed write goes now (key syntax: route --help)",
  details: KEY_PART_RULES,
  options: {
    tier: { type: 'string', valueName: '<name>', description: "the table's tier (default: the DSN instance's tier, else 'default')" },
    'bucket-count': { type: 'string', valueName: '<n>', description: 'the bucket count if the cluster has no _pico_bucket (default 3000)' },
  },
  async run(input, io) {
    const { dsn, rest } = takeDsn(input.positionals, io.env, `; route takes <dsn> <key parts...>, or the key alone with ${DSN_ENV} set`);
    const key = parseKeyArguments(rest);
    const tier = input.values.tier as string | undefined;
    if (tier !== undefined && tier.trim() === '') throw new UsageError('--tier needs a tier name, e.g. --tier default');
    const view = await lookUpRoute(dsn, { key, tier, bucketCount: parseBucketCount(input.values['bucket-count'] as string | undefined) }, io.signal);
    io.out(input.json ? toJson(view) : formatRoute(view));
    return 0;
  },
};

/** `--bucket-count`: a whole number from 1 to 2^32 - 1 (bucket ids are u32). */
function parseBucketCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1 || n > 0xffff_ffff) {
    throw new UsageError(`--bucket-count takes a whole number from 1 to 4294967295 (Picodata's default is 3000); got '${showArgument(text)}'`);
  }
  return n;
}

/**
 * The view as labelled lines, notes underneath.
 *
 * @example
 * // key         42 (integer)
 * // tier        default
 * // bucket      1934 of 3000
 * // replicaset  r2 (uuid 7c0a…)
 * // leader      i3
 * // write goes  i3 at 10.0.0.3:4327 (now)
 */
export function formatRoute(view: RouteView): string {
  const key = view.key.map((k) => `${k.type === 'text' ? `'${k.value}'` : k.value} (${k.type})`).join(', ');
  const rows: Array<[string, string]> = [
    ['key', key],
    ['tier', view.tier],
    ['bucket', `${view.bucket} of ${view.bucketCount}${view.bucketCountSource === 'cluster' ? '' : ' (computed here)'}`],
  ];
  if (view.bucketMap) {
    const rs = view.replicaset;
    rows.push(['replicaset', rs === null ? 'unknown' : `${rs.name ?? '?'} (uuid ${rs.uuid})`]);
    rows.push(['leader', view.leader ?? 'unknown']);
    const owner = view.owner;
    rows.push(['write goes', owner === null ? 'anywhere: as without a key' : `${owner.name ?? '?'} at ${owner.address}`]);
  } else {
    rows.push(['replicaset', 'unknown: the cluster has no bucket map']);
  }
  const lines = rows.map(([label, value]) => `${label.padEnd(10)}  ${escapeControl(value)}`);
  for (const note of view.notes) lines.push(`note: ${escapeControl(note)}`);
  return lines.join('\n');
}
