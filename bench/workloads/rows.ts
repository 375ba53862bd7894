/** Test (c)'s query and the check of what a driver returned for it. */

/**
 * The brief's query with column names added: without them four columns are all called `?column?`, and
 * object rows would keep only the last of them.
 */
export function rowsSql(count: number): string {
  return `SELECT i::int8 AS id, 'row number '||i AS label, i*1.5::float8 AS score, i%2=0 AS even, ` +
    `timestamptz '2024-01-01'+i*interval '1 s' AS at FROM generate_series(1,${count}) i`;
}

const COLUMNS = ['id', 'label', 'score', 'even', 'at'] as const;

function typeName(value: unknown): string {
  if (value instanceof Date) return 'Date';
  if (value === null) return 'null';
  return typeof value;
}

/**
 * Checks every row's values and returns the JS types of the columns (for the report; int8 comes back as
 * a string from pg and postgres.js by default, as a number from picots). Throws on anything unexpected.
 */
export function verifyRows(rows: readonly Record<string, unknown>[], count: number): string[] {
  if (rows.length !== count) throw new Error(`expected ${count} rows, got ${rows.length}`);
  const types = COLUMNS.map((c) => typeName(rows[0]![c]));
  const t0 = (rows[0]!.at as Date | undefined)?.getTime?.();
  if (typeof t0 !== 'number' || Number.isNaN(t0)) throw new Error(`column at is not a valid Date: ${String(rows[0]!.at)}`);
  for (let k = 0; k < count; k++) {
    const row = rows[k]!;
    const i = k + 1;
    for (let c = 0; c < COLUMNS.length; c++) {
      if (typeName(row[COLUMNS[c]!]) !== types[c]) throw new Error(`row ${i}: column ${COLUMNS[c]} changed type`);
    }
    const ok = (types[0] === 'bigint' ? row.id === BigInt(i) : Number(row.id) === i)
      && row.label === `row number ${i}`
      && row.score === i * 1.5
      && row.even === (i % 2 === 0)
      && (row.at as Date).getTime() - t0 === k * 1000;
    if (!ok) throw new Error(`row ${i} has wrong values: ${JSON.stringify(row)}`);
  }
  if (types[0] !== 'number' && types[0] !== 'string' && types[0] !== 'bigint') throw new Error(`id came back as ${types[0]}`);
  if (types.slice(1).join() !== 'string,number,boolean,Date') throw new Error(`unexpected column types ${types.join(', ')}`);
  return types;
}
