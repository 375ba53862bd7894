import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, ProtocolError, TypeConversionError } from '../../src/errors.js';
import { OID } from '../../src/types/oids.js';
import { createRowDecoder, toRowMode, type FieldDescription } from '../../src/types/row-decoder.js';

const fields: FieldDescription[] = [
  { name: 'id', dataTypeID: OID.INT8 },
  { name: 'name', dataTypeID: OID.TEXT },
  { name: 'score', dataTypeID: OID.FLOAT8 },
  { name: 'active', dataTypeID: OID.BOOL },
  { name: 'at', dataTypeID: OID.TIMESTAMPTZ },
];
const VALUES: readonly (string | null)[] = ['7', 'ann', '1.5', 't', '2024-01-01 00:00:00+00'];
/** A fresh copy: an array decoder converts the array it is given in place. */
const values = (): (string | null)[] => [...VALUES];

/** Object decoders switch to a compiled builder after 500 rows: run both paths. */
function decodeMany<R>(decode: (v: (string | null)[]) => R, row: readonly (string | null)[], times = 1200): R[] {
  const out: R[] = [];
  for (let i = 0; i < times; i++) out.push(decode([...row]));
  return out;
}

describe('createRowDecoder', () => {
  it('decodes object rows, NULL staying null', () => {
    const decode = createRowDecoder(fields);
    assert.deepEqual(decode(values()), { id: 7, name: 'ann', score: 1.5, active: true, at: new Date('2024-01-01T00:00:00Z') });
    assert.deepEqual(decode([null, null, null, null, null]), { id: null, name: null, score: null, active: null, at: null });
  });

  it('gives the same rows before and after compiling', () => {
    const decode = createRowDecoder(fields);
    const rows = decodeMany(decode, VALUES);
    for (const row of rows) assert.deepEqual(row, rows[0]);
    const nulls = decodeMany(decode, [null, 'b', null, 'f', null], 3);
    assert.deepEqual(nulls[2], { id: null, name: 'b', score: null, active: false, at: null });
    assert.deepEqual(Object.keys(rows[1100]!), ['id', 'name', 'score', 'active', 'at']);
  });

  it('decodes array rows', () => {
    const decode = createRowDecoder(fields, { rowMode: 'array' });
    assert.deepEqual(decode(values()), [7, 'ann', 1.5, true, new Date('2024-01-01T00:00:00Z')]);
    assert.deepEqual(decode([null, null, null, null, null]), [null, null, null, null, null]);
  });

  it('gives array rows as the values array itself, converted in place', () => {
    const decode = createRowDecoder(fields, { rowMode: 'array' });
    const row = values();
    assert.equal(decode(row), row);
    assert.deepEqual(row, [7, 'ann', 1.5, true, new Date('2024-01-01T00:00:00Z')]);
  });

  it('applies the int8 mode', () => {
    assert.deepEqual(createRowDecoder(fields, { int8: 'bigint' })(values()).id, 7n);
    assert.deepEqual(createRowDecoder(fields, { int8: 'string', rowMode: 'array' })(values())[0], '7');
  });

  it('lets the later duplicate column win, at the first one\'s key position', () => {
    const dup: FieldDescription[] = [
      { name: 'a', dataTypeID: OID.INT8 },
      { name: 'b', dataTypeID: OID.INT8 },
      { name: 'a', dataTypeID: OID.TEXT },
    ];
    const decode = createRowDecoder(dup);
    for (const row of decodeMany(decode, ['1', '2', 'three'], 600)) {
      assert.deepEqual(row, { a: 'three', b: 2 });
      assert.deepEqual(Object.keys(row), ['a', 'b']);
    }
    // The earlier duplicate is never parsed, so its value cannot fail the row.
    assert.deepEqual(decode(['99999999999999999999', '2', 'x']), { a: 'x', b: 2 });
    assert.deepEqual(createRowDecoder(dup, { rowMode: 'array' })(['1', '2', 'three']), [1, 2, 'three']);
  });

  it('names the column when a value cannot be converted, on both paths', () => {
    const decode = createRowDecoder(fields);
    const big = ['9007199254740993', 'x', '1', 't', '2024-01-01 00:00:00+00'];
    const isColumnError = (e: unknown) =>
      e instanceof TypeConversionError && e.message.startsWith('column "id": int8 value 9007199254740993');
    assert.throws(() => decode(big), isColumnError);
    decodeMany(decode, VALUES, 600);
    assert.throws(() => decode(big), isColumnError);
    assert.throws(() => createRowDecoder(fields, { rowMode: 'array' })(big), isColumnError);
  });

  it('reports malformed json as a TypeConversionError naming the column', () => {
    const decode = createRowDecoder([{ name: 'j', dataTypeID: OID.JSON }]);
    assert.throws(() => decode(['{oops']), (e: unknown) => e instanceof TypeConversionError && e.message.startsWith('column "j":'));
  });

  it('rejects rows of the wrong width', () => {
    assert.throws(() => createRowDecoder(fields)(['1']), ProtocolError);
    assert.throws(() => createRowDecoder(fields, { rowMode: 'array' })(['1']), ProtocolError);
  });

  it('handles awkward column names safely', () => {
    const names = ['__proto__', 'constructor', '"); throw 1; ("', 'a\u2028b', '', '1', 'x y'];
    const decode = createRowDecoder(names.map((name) => ({ name, dataTypeID: OID.TEXT })));
    const texts = names.map((_, i) => `v${i}`);
    for (const row of decodeMany(decode, texts, 600)) {
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.deepEqual(
        Object.entries(row).sort(),
        names.map((name, i) => [name, `v${i}`]).sort(),
      );
    }
  });

  it('validates the rowMode option', () => {
    assert.equal(toRowMode(undefined), 'object');
    assert.equal(toRowMode('object'), 'object');
    assert.equal(toRowMode('array'), 'array');
    assert.throws(() => toRowMode('Array'), (e: unknown) => e instanceof ConfigError && e.option === 'rowMode');
  });

  it('decodes empty descriptions', () => {
    assert.deepEqual(createRowDecoder([])([]), {});
    assert.deepEqual(createRowDecoder([], { rowMode: 'array' })([]), []);
  });

  it('keeps its loop where code generation from strings is disabled', () => {
    const decoder = fileURLToPath(new URL('../../src/types/row-decoder.ts', import.meta.url));
    const script = `
      import { createRowDecoder } from ${JSON.stringify(decoder)};
      const decode = createRowDecoder([{ name: 'a', dataTypeID: 20 }, { name: 'b', dataTypeID: 25 }]);
      let row;
      for (let i = 0; i < 1000; i++) row = decode([String(i), 'x']);
      console.log(JSON.stringify(row));`;
    const child = spawnSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    assert.equal(child.stderr, '');
    assert.equal(child.stdout.trim(), '{"a":999,"b":"x"}');
  });
});
