/**
 * Micro-benchmark of row decoding: 10,000 DataRows of (int8, text, float8, bool, timestamptz).
 * Run: node --import tsx bench/row-decoder.ts
 * Not a test (no `.test.ts`): timings depend on the machine. Prints ns/row, min and median of 25 passes.
 */
import pg from 'pg';
import { OID } from '../src/types/oids.js';
import { createRowDecoder, type FieldDescription, type RowDecoderOptions } from '../src/types/row-decoder.js';
import { getTextParser } from '../src/types/text-parsers.js';

const ROWS = 10_000;
const PASSES = 25;

const fields: FieldDescription[] = [
  { name: 'id', dataTypeID: OID.INT8 },
  { name: 'name', dataTypeID: OID.TEXT },
  { name: 'score', dataTypeID: OID.FLOAT8 },
  { name: 'active', dataTypeID: OID.BOOL },
  { name: 'created_at', dataTypeID: OID.TIMESTAMPTZ },
];

// Strings made the way the protocol layer makes them (Buffer#toString), not cons-strings from templates.
const text = (s: string): string => Buffer.from(s).toString('utf8');
const rows: (string | null)[][] = [];
for (let i = 0; i < ROWS; i++) {
  rows.push([
    text(String(1_000_000_000 + i * 7919)),
    text(`user-${i}`),
    text(String(i * 1.37)),
    i % 3 === 0 ? 't' : 'f',
    text(`2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')} 12:34:56.${String(i * 37 % 1_000_000).padStart(6, '0')}+00`),
  ]);
}

function measure(label: string, run: () => unknown): void {
  const times: number[] = [];
  let sink: unknown;
  for (let pass = 0; pass < PASSES + 5; pass++) {
    const start = process.hrtime.bigint();
    sink = run();
    if (pass >= 5) times.push(Number(process.hrtime.bigint() - start) / ROWS);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label.padEnd(58)} min ${times[0]!.toFixed(0).padStart(4)} ns/row   median ${median.toFixed(0).padStart(4)} ns/row${sink === undefined ? '!' : ''}`);
}

/** One decoder per pass, as one result set gets: includes the first 500 loop rows and the compile. */
function decodeAll(opts: RowDecoderOptions): () => unknown {
  return () => {
    const decode = createRowDecoder(fields, opts);
    // An array decoder converts the values array in place, as the connection hands it a fresh one per
    // DataRow: give it a fresh copy here too, so every pass decodes text.
    const fresh = opts.rowMode === 'array';
    let last: unknown;
    for (let i = 0; i < ROWS; i++) last = decode(fresh ? [...rows[i]!] : rows[i]!);
    return last;
  };
}

function parseColumn(index: number): () => unknown {
  const parse = getTextParser(fields[index]!.dataTypeID, { int8: 'number' }) ?? ((s: string) => s);
  return () => {
    let last: unknown;
    for (let i = 0; i < ROWS; i++) last = parse(rows[i]![index]!);
    return last;
  };
}

/** node-postgres for reference: its type parsers plus its per-row loop (Result#parseRow). */
function nodePostgres(): () => unknown {
  const parsers = fields.map((f) => pg.types.getTypeParser(f.dataTypeID, 'text'));
  const names = fields.map((f) => f.name);
  return () => {
    let last: unknown;
    for (let r = 0; r < ROWS; r++) {
      const values = rows[r]!;
      const row: Record<string, unknown> = {};
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        row[names[i]!] = v === null ? null : parsers[i]!(v);
      }
      last = row;
    }
    return last;
  };
}

console.log(`node ${process.version}, ${ROWS} rows x (int8, text, float8, bool, timestamptz)`);
measure('object rows (int8: number)', decodeAll({}));
measure('object rows (int8: bigint)', decodeAll({ int8: 'bigint' }));
measure('array rows (int8: number)', decodeAll({ rowMode: 'array' }));
measure('  int8 column alone', parseColumn(0));
measure('  float8 column alone', parseColumn(2));
measure('  bool column alone', parseColumn(3));
measure('  timestamptz column alone', parseColumn(4));
measure('node-postgres reference (int8 as string)', nodePostgres());
