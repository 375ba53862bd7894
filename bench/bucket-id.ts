/**
 * Micro-benchmark of bucketId: ns per call for 1-, 2- and 3-part keys, cycling over 1,024 prepared keys so
 * neither the values nor the branch pattern are constant. Then the keyed-routing lookup: hash plus owner
 * (`keyHash` + `ShardRoutes.target`) over a map of 64 ranges on 4 replicasets.
 * Run: node --import tsx bench/bucket-id.ts
 * Not a test (no `.test.ts`): timings depend on the machine. Prints min and median of 25 passes.
 */
import { bucketId, keyHash, keyPart, type KeyPart } from '../src/index.js';
import { parseBucketRanges } from '../src/topology/bucket-map.js';
import { ShardRoutes } from '../src/balance/keyed-routing.js';

const KEYS = 1024;
const CALLS = 200_000;
const PASSES = 25;

// Strings made the way the protocol layer makes them (Buffer#toString), not cons-strings from templates.
const text = (s: string): string => Buffer.from(s).toString('utf8');

const cases: Array<[label: string, keys: ReadonlyArray<KeyPart | KeyPart[]>]> = [
  ['1 part: integer', Array.from({ length: KEYS }, (_, i) => i * 7919)],
  ['1 part: integer, in an array', Array.from({ length: KEYS }, (_, i) => [i * 7919])],
  ['1 part: text (8 chars)', Array.from({ length: KEYS }, (_, i) => text(`user${String(i).padStart(4, '0')}`))],
  ['1 part: uuid (keyPart.uuid, made once)', Array.from({ length: KEYS }, (_, i) => keyPart.uuid(`9035910e-8342-4460-8c25-${String(i).padStart(12, '0')}`))],
  ['2 parts: (text, integer)', Array.from({ length: KEYS }, (_, i) => [text(`k${i % 97}`), i])],
  ['2 parts: (integer, bigint)', Array.from({ length: KEYS }, (_, i) => [i, BigInt(i) * 1_000_000_007n])],
  ['3 parts: (integer, text, boolean)', Array.from({ length: KEYS }, (_, i) => [i, text(`name-${i}`), i % 2 === 0])],
  ['3 parts: (text, Date, double)', Array.from({ length: KEYS }, (_, i) => [text(`t${i}`), new Date(1_700_000_000_000 + i * 1000), i + 0.5])],
];

function measure(label: string, keys: ReadonlyArray<KeyPart | KeyPart[]>): void {
  const times: number[] = [];
  let sink = 0;
  for (let pass = 0; pass < PASSES + 5; pass++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) sink += bucketId(keys[i & (KEYS - 1)]!);
    if (pass >= 5) times.push(Number(process.hrtime.bigint() - start) / CALLS);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label.padEnd(42)} min ${times[0]!.toFixed(0).padStart(4)} ns/call   median ${median.toFixed(0).padStart(4)} ns/call${sink === 0 ? '!' : ''}`);
}

console.log(`bucketId, ${CALLS} calls per pass, ${PASSES} passes after 5 warm-up passes (node ${process.version})`);
for (const [label, keys] of cases) measure(label, keys);

// Keyed routing: the hash, then bucket -> range -> owner's targets, as Pool does for a routeKey.
const OWNERS = ['rs1', 'rs2', 'rs3', 'rs4'];
const ranges = parseBucketRanges(Array.from({ length: 64 }, (_, i) => ({
  bucket_id_start: i * 47 + 1, bucket_id_end: i === 63 ? 3000 : i * 47 + 47, current_replicaset_uuid: OWNERS[i % 4],
})));
const routes = new ShardRoutes(new Map([['default', ranges]]),
  OWNERS.flatMap((rs, r) => [0, 1].map((m) => ({ uuid: `u${r}${m}`, name: `i${r}${m}`, replicasetUuid: rs }))), undefined);

function measureOwner(label: string, keys: ReadonlyArray<KeyPart | KeyPart[]>): void {
  const times: number[] = [];
  let sink = 0;
  for (let pass = 0; pass < PASSES + 5; pass++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) sink += routes.target(keyHash(keys[i & (KEYS - 1)]!), 'default', 'leader')?.primary.length ?? 0;
    if (pass >= 5) times.push(Number(process.hrtime.bigint() - start) / CALLS);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`owner of ${label.padEnd(33)} min ${times[0]!.toFixed(0).padStart(4)} ns/call   median ${median.toFixed(0).padStart(4)} ns/call${sink === 0 ? '!' : ''}`);
}

for (const [label, keys] of cases) measureOwner(label, keys);
