import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimestamp } from '../../src/types/timestamp.js';

function iso(text: string): string {
  const value = parseTimestamp(text);
  assert.ok(value instanceof Date, `${text} -> ${String(value)}`);
  return value.toISOString();
}

describe('parseTimestamp', () => {
  it('reads PostgreSQL timestamptz output with offsets', () => {
    assert.equal(iso('2024-01-01 00:00:01+00'), '2024-01-01T00:00:01.000Z');
    assert.equal(iso('2024-01-01 05:30:01+05:30'), '2024-01-01T00:00:01.000Z');
    assert.equal(iso('2023-12-31 20:00:00-04'), '2024-01-01T00:00:00.000Z');
    assert.equal(iso('1899-12-31 20:53:32-03:06:28'), '1900-01-01T00:00:00.000Z'); // LMT offsets carry seconds
    assert.equal(iso('2024-01-01 05:30:00+0530'), '2024-01-01T00:00:00.000Z');
  });

  it('reads fractions, truncating below milliseconds', () => {
    assert.equal(iso('2024-01-01 00:00:01.5+00'), '2024-01-01T00:00:01.500Z');
    assert.equal(iso('2024-01-01 00:00:01.123456+00'), '2024-01-01T00:00:01.123Z');
    assert.equal(iso('2024-01-01 00:00:01.999999+00'), '2024-01-01T00:00:01.999Z');
    assert.equal(iso('2024-01-01 00:00:01.000001+00'), '2024-01-01T00:00:01.000Z');
    assert.equal(iso('2024-01-01 05:30:01.123456+05:30'), '2024-01-01T00:00:01.123Z');
    assert.equal(iso('1969-12-31 23:59:59.999+00'), '1969-12-31T23:59:59.999Z');
  });

  it('reads Picodata output (ISO-like, Z, signed years)', () => {
    assert.equal(iso('2023-07-07 12:34:56.000001+03'), '2023-07-07T09:34:56.000Z');
    assert.equal(iso('2023-07-07T12:34:56Z'), '2023-07-07T12:34:56.000Z');
    assert.equal(iso('+10000-01-01 00:00:00+00'), '+010000-01-01T00:00:00.000Z');
    assert.equal(iso('-0001-01-01 00:00:00+00'), '-000001-01-01T00:00:00.000Z');
  });

  it('takes a missing offset as UTC (timestamp without time zone)', () => {
    assert.equal(iso('2024-02-29 23:59:59'), '2024-02-29T23:59:59.000Z');
    assert.equal(iso('2024-02-29 23:59:59.25'), '2024-02-29T23:59:59.250Z');
  });

  it('reads BC years and years below 100 (no Date.UTC 19xx shift)', () => {
    assert.equal(iso('0044-03-15 12:00:00+00 BC'), '-000043-03-15T12:00:00.000Z');
    assert.equal(iso('0001-01-01 00:00:00+00 BC'), '0000-01-01T00:00:00.000Z');
    assert.equal(iso('0099-12-31 00:00:00+00'), '0099-12-31T00:00:00.000Z');
    assert.equal(iso('0001-01-01 00:00:00'), '0001-01-01T00:00:00.000Z');
    assert.equal(iso('20000-01-01 00:00:00+00'), '+020000-01-01T00:00:00.000Z');
  });

  it('agrees with Date for every month boundary in leap and non-leap years', () => {
    for (const year of [1600, 1900, 1970, 2000, 2023, 2024, 2100]) {
      for (let month = 1; month <= 12; month++) {
        const text = `${year}-${String(month).padStart(2, '0')}-01 00:00:00+00`;
        assert.equal(iso(text), new Date(Date.UTC(year, month - 1, 1)).toISOString(), text);
      }
    }
  });

  it('maps infinity to ±Infinity', () => {
    assert.equal(parseTimestamp('infinity'), Infinity);
    assert.equal(parseTimestamp('-infinity'), -Infinity);
  });

  it('keeps text it cannot represent or does not recognise', () => {
    assert.equal(parseTimestamp('294276-12-31 23:59:59+00'), '294276-12-31 23:59:59+00'); // beyond Date's range
    assert.equal(parseTimestamp('2024-01-01'), '2024-01-01');
    assert.equal(parseTimestamp('2024-01-01 00:00:01 XYZ'), '2024-01-01 00:00:01 XYZ');
    assert.equal(parseTimestamp('2024/01/01 00:00:01+00'), '2024/01/01 00:00:01+00');
    assert.equal(parseTimestamp('2024-01-01 0a:00:01+00'), '2024-01-01 0a:00:01+00');
    assert.equal(parseTimestamp(''), '');
  });
});
