import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur3x86_32 } from '../../src/index.js';

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('murmur3x86_32', () => {
  // Tarantool's own key_def hash vectors (seed 13): test/box-luatest/key_def_test.lua on branch 2.11.5-picodata of
  // picodata/tarantool, and the identical Rust test tarantool/tests/src/tuple_picodata.rs in picodata/picodata.
  it('reproduces Tarantool key_def:hash() for {1, 2}, {1} and {1, nil}', () => {
    assert.equal(murmur3x86_32(Uint8Array.of(0x01, 0x02), 13), 605624609);
    assert.equal(murmur3x86_32(Uint8Array.of(0x01), 13), 1457374933);
    assert.equal(murmur3x86_32(Uint8Array.of(0x01, 0xc0), 13), 766361540);
  });

  // The widely published MurmurHash3_x86_32 reference values: every tail length (0..3) and several blocks.
  it('matches the reference MurmurHash3_x86_32 values', () => {
    assert.equal(murmur3x86_32(new Uint8Array(0), 0), 0);
    assert.equal(murmur3x86_32(new Uint8Array(0), 1), 0x514e28b7);
    assert.equal(murmur3x86_32(new Uint8Array(0), 0xffffffff), 0x81f16f39);
    assert.equal(murmur3x86_32(new Uint8Array(4), 0), 0x2362f9de);
    assert.equal(murmur3x86_32(text('abc'), 0x9747b28c), 0xc84a62dd);
    assert.equal(murmur3x86_32(text('aaaa'), 0x9747b28c), 0x5a97808a);
    assert.equal(murmur3x86_32(text('Hello, world!'), 0x9747b28c), 0x24884cba);
    assert.equal(murmur3x86_32(text('The quick brown fox jumps over the lazy dog'), 0x9747b28c), 0x2fa826cd);
  });

  it('hashes only the first `length` bytes, and its default seed is 0', () => {
    const bytes = Uint8Array.of(0x01, 0xff, 0xff);
    assert.equal(murmur3x86_32(bytes, 13, 1), 1457374933);
    assert.equal(murmur3x86_32(text('abc')), murmur3x86_32(text('abc'), 0));
  });
});
