// exec/alu/wide.ts's mulHi32 (the high word of every 64-bit MUL/IMUL, interpreted and compiled) against
// BigInt's exact product, on the values where limb carries meet and on random pairs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulHi32 } from '../../../src/backends/emu/exec/alu/wide.js';
import { rng } from './host-oracle.js';

const EDGES = [
  0, 1, 2, 0xffff, 0x10000, 0x1ffff, 0x7fffffff, 0x80000000, 0x80000001, 0xfffeffff, 0xffff0000, 0xfffffffe, 0xffffffff,
  0x12345678, 0xdeadbeef,
];

const exact = (a: number, b: number): number => Number((BigInt(a) * BigInt(b)) >> 32n);

test('mulHi32 is the high word of the exact 64-bit product', () => {
  for (const a of EDGES) for (const b of EDGES) assert.equal(mulHi32(a, b), exact(a, b), `${a} * ${b}`);
  const r = rng(0x3131n);
  for (let i = 0; i < 20000; i++) {
    const a = Number(r() & 0xffffffffn);
    const b = Number(r() >> 32n);
    assert.equal(mulHi32(a, b), exact(a, b), `${a} * ${b}`);
  }
});
