// BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT, BSWAP (SDM vol. 2).
import { Op } from '../../decode/ops.js';
import { AF, ARITH, aluOut, CF, OF, PARITY, PF, SF, ZF } from './out.js';

/**
 * BT/BTS/BTR/BTC on a register-sized value: "CF ← Bit(BitBase, BitOffset)", the offset taken modulo the
 * operand width (memory forms with a register offset address the right byte first, in the executor).
 * "The ZF flag is unaffected. The OF, SF, AF, and PF flags are undefined": the reference host leaves them.
 */
export function bitOp(op: number, size: number, lo: number, hi: number, bit: number, flags: number): number {
  const k = bit & (size * 8 - 1);
  const inHi = k >= 32;
  const m = 1 << (k & 31);
  const word = inHi ? hi : lo;
  const cf = (word >>> (k & 31)) & 1;
  let w = word;
  if (op === Op.BTS) w = (word | m) >>> 0;
  else if (op === Op.BTR) w = (word & ~m) >>> 0;
  else if (op === Op.BTC) w = (word ^ m) >>> 0;
  aluOut.lo = inHi ? lo : w;
  aluOut.hi = size === 8 ? (inHi ? w : hi) : 0;
  aluOut.undef = OF | SF | AF | PF;
  return (flags & ~CF) | cf;
}

/** Index of the lowest set bit of a non-zero uint32. */
function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * BSF/BSR: "If the content of the source operand is 0, the content of the destination operand is undefined"
 * and ZF=1 — the reference host (and AMD's manual) leave the destination unchanged, so aluOut = dst.
 * CF, OF, SF, AF, PF are SDM-undefined: see HOST_BSF.
 */
export function bsf(size: number, sLo: number, sHi: number, dLo: number, dHi: number, flags: number): number {
  return bitScan(false, size, sLo, sHi, dLo, dHi, flags);
}
export function bsr(size: number, sLo: number, sHi: number, dLo: number, dHi: number, flags: number): number {
  return bitScan(true, size, sLo, sHi, dLo, dHi, flags);
}

function bitScan(rev: boolean, size: number, sLo: number, sHi: number, dLo: number, dHi: number, flags: number) {
  aluOut.undef = CF | OF | SF | AF | PF;
  const hi = size === 8 ? sHi : 0;
  if ((sLo | hi) === 0) {
    aluOut.lo = dLo;
    aluOut.hi = size === 8 ? dHi : 0;
    return (flags & ~ARITH) | ZF | HOST_BSF_ZERO(flags);
  }
  let idx: number;
  if (rev) idx = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(sLo);
  else idx = sLo !== 0 ? ctz32(sLo) : 32 + ctz32(hi);
  aluOut.lo = idx;
  aluOut.hi = 0;
  // Reference host: CF OF SF AF cleared, PF from the result index, ZF 0.
  return (flags & ~ARITH) | PARITY[idx];
}
/** The reference host's SDM-undefined flags after BSF/BSR of a zero source (besides ZF=1). */
function HOST_BSF_ZERO(_flags: number): number {
  return PF;
}

/** TZCNT: "CF is set if the source is zero; ZF is set if the result is zero"; OF SF AF PF undefined: the
 *  reference host keeps OF and clears SF AF PF (LZCNT likewise). */
export function tzcnt(size: number, lo: number, hi: number, flags: number): number {
  const bits = size * 8;
  const h = size === 8 ? hi : 0;
  let n: number;
  if ((lo | h) === 0) n = bits;
  else n = lo !== 0 ? ctz32(lo) : 32 + ctz32(h);
  aluOut.lo = n;
  aluOut.hi = 0;
  aluOut.undef = OF | SF | AF | PF;
  return (flags & ~(ARITH & ~OF)) | (n === bits ? CF : 0) | (n === 0 ? ZF : 0);
}

/** LZCNT: "CF is set if the source is zero; ZF is set if the result is zero"; OF SF AF PF undefined. */
export function lzcnt(size: number, lo: number, hi: number, flags: number): number {
  const bits = size * 8;
  let n: number;
  if (size === 8) n = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
  else n = Math.clz32(lo) - (32 - bits);
  aluOut.lo = n;
  aluOut.hi = 0;
  aluOut.undef = OF | SF | AF | PF;
  return (flags & ~(ARITH & ~OF)) | (n === bits ? CF : 0) | (n === 0 ? ZF : 0);
}

function pop32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** POPCNT: "OF, SF, ZF, AF, CF, PF are all cleared; ZF is set if SRC = 0". */
export function popcnt(size: number, lo: number, hi: number, flags: number): number {
  const n = pop32(lo) + (size === 8 ? pop32(hi) : 0);
  aluOut.lo = n;
  aluOut.hi = 0;
  aluOut.undef = 0;
  return (flags & ~ARITH) | (n === 0 ? ZF : 0);
}

function swap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24)) >>> 0;
}

/** BSWAP r32/r64: "reverses the byte order"; with a 16-bit operand "the result is undefined" (the
 *  reference host yields 0, as do Intel parts). Flags: none. */
export function bswap(size: number, lo: number, hi: number): void {
  if (size === 8) {
    aluOut.lo = swap32(hi);
    aluOut.hi = swap32(lo);
  } else {
    aluOut.lo = size === 4 ? swap32(lo) : 0;
    aluOut.hi = 0;
  }
  aluOut.undef = 0;
}
