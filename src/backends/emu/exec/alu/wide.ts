// 64-bit shifts on (lo, hi) uint32 pairs, and the high half of a 32x32 product, without BigInt. Results go to `wide` (module-level, reused).
// JS shifts take the count mod 32, so every helper handles counts of 32 and more explicitly.

export const wide = { lo: 0, hi: 0 };

/** x << n for n in 0..63 (32-bit: 0 for n >= 32). */
export function shl32(x: number, n: number): number {
  return n >= 32 ? 0 : (x << n) >>> 0;
}
/** x >>> n for n in 0..63 (0 for n >= 32). */
export function shr32(x: number, n: number): number {
  return n >= 32 ? 0 : x >>> n;
}

/** (hi:lo) << n, n in 0..127. */
export function shl64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    wide.lo = lo;
    wide.hi = hi;
  } else if (n < 32) {
    wide.hi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    wide.lo = (lo << n) >>> 0;
  } else {
    wide.hi = shl32(lo, n - 32);
    wide.lo = 0;
  }
}

/** (hi:lo) >>> n, n in 0..127. */
export function shr64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    wide.lo = lo;
    wide.hi = hi;
  } else if (n < 32) {
    wide.lo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    wide.hi = hi >>> n;
  } else {
    wide.lo = shr32(hi, n - 32);
    wide.hi = 0;
  }
}

/** (hi:lo) >> n arithmetic, n in 0..127. */
export function sar64(lo: number, hi: number, n: number): void {
  const fill = hi & 0x80000000 ? 0xffffffff : 0;
  if (n === 0) {
    wide.lo = lo;
    wide.hi = hi;
  } else if (n < 32) {
    wide.lo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    wide.hi = (hi >> n) >>> 0;
  } else if (n < 64) {
    wide.lo = (hi >> (n - 32)) >>> 0;
    wide.hi = fill;
  } else {
    wide.lo = fill;
    wide.hi = fill;
  }
}

/** Bit k (0..63) of (hi:lo); 0 for k outside 0..63. */
export function bit64(lo: number, hi: number, k: number): number {
  if (k < 0 || k > 63) return 0;
  return k < 32 ? (lo >>> k) & 1 : (hi >>> (k - 32)) & 1;
}

/**
 * High 32 bits of the unsigned product of two uint32 values, from 16-bit limbs: each partial product is
 * below 2^32 and each sum below 2^34, so V8 keeps it all in integer registers (no division or modulo).
 */
export function mulHi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}
