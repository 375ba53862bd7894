/** How `picots route` types its key parts: pure, no cluster. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKeyArguments } from '../../src/cli/key-arguments.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { bucketId, keyPart } from '../../src/index.js';

const kinds = (args: string[]) => parseKeyArguments(args).map((a) => a.kind);

test('plain integers are integers, null is NULL, everything else is text', () => {
  assert.deepEqual(kinds(['42', '-7', '0', 'null', 'NULL', 'eu', '', 'Null', '+5', '007', '1.5', '1e3', 'true']),
    ['integer', 'integer', 'integer', 'null', 'null', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text']);
  const [big] = parseKeyArguments(['18446744073709551615']);
  assert.equal(big!.part, 18446744073709551615n, 'uint64 max stays exact');
  assert.equal(bucketId(parseKeyArguments(['2', '1']).map((a) => a.part)), bucketId([2, 1]));
});

test('a type: prefix says the type; an unknown prefix is part of the text', () => {
  const parsed = parseKeyArguments(['int:+5', 'text:42', 'text:', 'text:null', 'double:1', 'bool:FALSE', 'eu:1']);
  assert.deepEqual(parsed.map((a) => [a.kind, a.text]), [['integer', '5'], ['text', '42'], ['text', ''], ['text', 'null'], ['double', '1'], ['boolean', 'false'], ['text', 'eu:1']]);
  assert.equal(parsed[6]!.note, undefined, 'no note for a text that merely has a colon');
  assert.equal(bucketId(parsed[4]!.part), bucketId(keyPart.double(1)));
});

test('datetimes need a zone; a non-zero offset is kept', () => {
  const [utc, plus, compact] = parseKeyArguments(['datetime:2025-06-10T12:10:08Z', 'datetime:2025-06-10 15:10:08+03', 'datetime:2025-06-10T15:40:08.5+0330']);
  assert.ok(utc!.part instanceof Date);
  assert.equal(bucketId(plus!.part), bucketId(keyPart.datetime(new Date('2025-06-10T12:10:08Z'), 180)));
  assert.equal(bucketId(compact!.part), bucketId(keyPart.datetime(new Date('2025-06-10T12:10:08.5Z'), 210)));
  assert.throws(() => parseKeyArguments(['datetime:2025-06-10']), /key part 1 'datetime:2025-06-10': datetime: takes an ISO date and time with its zone/);
  assert.throws(() => parseKeyArguments(['datetime:2025-13-40T12:10:08Z']), /is not a valid date and time/);
});

test('a text that looks like another type gets a note saying how to write that type', () => {
  const notes = parseKeyArguments(['+5', '007', '2.50', '9035910e-8342-4460-8c25-25e5f10d9876', 'True', 'intt:4', 'plain']).map((a) => a.note);
  assert.match(notes[0]!, /write int:\+5 for the integer/);
  assert.match(notes[1]!, /write int:007 for the integer/);
  assert.match(notes[2]!, /write decimal:2\.50 or double:2\.50/);
  assert.match(notes[3]!, /write uuid:9035910e-.* if the key column is a uuid/);
  assert.match(notes[4]!, /write bool:true for a boolean/);
  assert.match(notes[5]!, /'intt:' is not a type \(did you mean 'int:'\?\)/);
  assert.equal(notes[6], undefined);
});

test('a part that cannot be hashed is a usage error naming the part', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /the key is missing/],
    [['1', '18446744073709551616'], /^key part 2 '18446744073709551616': /],
    [['-9223372036854775809'], /^key part 1 '-9223372036854775809': /],
    [['int:1.5'], /int: takes a whole number/],
    [['decimal:abc'], /^key part 1 'decimal:abc': /],
    [['double:'], /double: takes a number/],
    [['uuid:1234'], /expected a uuid text/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseKeyArguments(args), (e: unknown) => e instanceof UsageError && message.test(e.message), args.join(' '));
  }
});
