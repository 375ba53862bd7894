import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { splitPoolSizes, splitSize } from '../../src/cluster/size-split.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('as even as possible, summing to the total', () => {
  assert.deepEqual(splitSize(10, 3), [4, 3, 3]);
  assert.deepEqual(splitSize(9, 3), [3, 3, 3]);
  assert.deepEqual(splitSize(2, 5), [1, 1, 0, 0, 0]);
  assert.deepEqual(splitSize(0, 3), [0, 0, 0]);
  assert.deepEqual(splitSize(7, 0), []);
  for (let total = 0; total < 40; total++) {
    for (let n = 1; n < 9; n++) {
      const s = splitSize(total, n, { offset: total * 7 + n });
      assert.equal(sum(s), total);
      assert.ok(Math.max(...s) - Math.min(...s) <= 1);
    }
  }
});

test('the remainder rotates with the offset, negative offsets included', () => {
  assert.deepEqual(splitSize(10, 3, { offset: 1 }), [3, 4, 3]);
  assert.deepEqual(splitSize(10, 3, { offset: 2 }), [3, 3, 4]);
  assert.deepEqual(splitSize(10, 3, { offset: 3 }), [4, 3, 3]);
  assert.deepEqual(splitSize(5, 3, { offset: 2 }), [2, 1, 2]);
  assert.deepEqual(splitSize(10, 3, { offset: -1 }), [3, 3, 4]);
});

test('many processes with spread offsets load every instance alike', () => {
  const totals = [0, 0, 0, 0];
  for (let offset = 0; offset < 400; offset++) splitSize(5, 4, { offset }).forEach((x, i) => { totals[i] += x; });
  assert.deepEqual(totals, [500, 500, 500, 500]);
});

test('a per-instance cap binds every instance alike', () => {
  assert.deepEqual(splitSize(10, 3, { cap: 3 }), [3, 3, 3]);
  assert.deepEqual(splitSize(10, 3, { cap: 4 }), [4, 3, 3]);
  assert.deepEqual(splitSize(10, 3, { cap: 0 }), [0, 0, 0]);
});

test('splitPoolSizes: min never above max on any instance', () => {
  assert.deepEqual(splitPoolSizes({ maxSize: 4, minSize: 2, instances: 3 }), [{ min: 1, max: 2 }, { min: 1, max: 1 }, { min: 0, max: 1 }]);
  assert.deepEqual(splitPoolSizes({ maxSize: 10, minSize: 2, instances: 3, offset: 2 }), [{ min: 1, max: 3 }, { min: 0, max: 3 }, { min: 1, max: 4 }]);
  for (let max = 0; max < 12; max++) {
    for (let min = 0; min <= max; min++) {
      for (let offset = 0; offset < 4; offset++) {
        const s = splitPoolSizes({ maxSize: max, minSize: min, instances: 4, offset, maxPerInstance: 2 });
        for (const x of s) assert.ok(x.min <= x.max && x.max <= 2);
      }
    }
  }
});

test('rejects bad input, naming it', () => {
  const cases: Array<[() => unknown, string]> = [
    [() => splitSize(-1, 3), 'total'],
    [() => splitSize(1.5, 3), 'total'],
    [() => splitSize(3, -1), 'instances'],
    [() => splitSize(3, 3, { cap: -1 }), 'cap'],
    [() => splitSize(3, 3, { offset: 0.5 }), 'offset'],
    [() => splitPoolSizes({ maxSize: 2, minSize: 3, instances: 2 }), 'minSize'],
  ];
  for (const [fn, option] of cases) assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.option === option, option);
});
