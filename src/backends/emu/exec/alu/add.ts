// ADD ADC SUB SBB CMP NEG INC DEC (SDM vol. 2: "OF, SF, ZF, AF, CF, and PF flags are set according to the
// result"; INC/DEC: "The CF flag is not affected"). CMP is SUB without the store; NEG is 0 - src.
import { AF, ARITH, aluOut, CF, OF, szp } from './out.js';

/** dst + src + cin (cin 0 for ADD, CF for ADC). */
export function add(size: number, aLo: number, aHi: number, bLo: number, bHi: number, cin: number, flags: number) {
  aluOut.undef = 0;
  if (size === 8) {
    const l = aLo + bLo + cin;
    const lo = l >>> 0;
    const h = aHi + bHi + (l > 0xffffffff ? 1 : 0);
    const hi = h >>> 0;
    aluOut.lo = lo;
    aluOut.hi = hi;
    return (
      (flags & ~ARITH) |
      szp(8, lo, hi) |
      (h > 0xffffffff ? CF : 0) |
      ((aLo ^ bLo ^ lo) & AF) |
      ((aHi ^ hi) & (bHi ^ hi) & 0x80000000 ? OF : 0)
    );
  }
  const r = aLo + bLo + cin;
  const shift = size * 8 - 1;
  const res = size === 4 ? r >>> 0 : r & (size === 2 ? 0xffff : 0xff);
  aluOut.lo = res;
  aluOut.hi = 0;
  return (
    (flags & ~ARITH) |
    szp(size, res, 0) |
    (r !== res ? CF : 0) |
    ((aLo ^ bLo ^ res) & AF) |
    ((((aLo ^ res) & (bLo ^ res)) >>> shift) * OF)
  );
}

/** dst - src - bin (bin 0 for SUB/CMP, CF for SBB). CF = unsigned borrow. */
export function sub(size: number, aLo: number, aHi: number, bLo: number, bHi: number, bin: number, flags: number) {
  aluOut.undef = 0;
  if (size === 8) {
    const l = aLo - bLo - bin;
    const lo = l >>> 0;
    const h = aHi - bHi - (l < 0 ? 1 : 0);
    const hi = h >>> 0;
    aluOut.lo = lo;
    aluOut.hi = hi;
    return (
      (flags & ~ARITH) |
      szp(8, lo, hi) |
      (h < 0 ? CF : 0) |
      ((aLo ^ bLo ^ lo) & AF) |
      ((aHi ^ bHi) & (aHi ^ hi) & 0x80000000 ? OF : 0)
    );
  }
  const r = aLo - bLo - bin;
  const shift = size * 8 - 1;
  const res = size === 4 ? r >>> 0 : r & (size === 2 ? 0xffff : 0xff);
  aluOut.lo = res;
  aluOut.hi = 0;
  return (
    (flags & ~ARITH) |
    szp(size, res, 0) |
    (r < 0 ? CF : 0) |
    ((aLo ^ bLo ^ res) & AF) |
    (((((aLo ^ bLo) & (aLo ^ res)) >>> shift) & 1) * OF)
  );
}

/** NEG: "The CF flag set to 0 if the source operand is 0; otherwise it is set to 1." */
export function neg(size: number, lo: number, hi: number, flags: number): number {
  return sub(size, 0, 0, lo, hi, 0, flags);
}

/** INC: flags as ADD 1 except "The CF flag is not affected". */
export function inc(size: number, lo: number, hi: number, flags: number): number {
  return (add(size, lo, hi, 1, 0, 0, flags) & ~CF) | (flags & CF);
}

/** DEC: flags as SUB 1 except "The CF flag is not affected". */
export function dec(size: number, lo: number, hi: number, flags: number): number {
  return (sub(size, lo, hi, 1, 0, 0, flags) & ~CF) | (flags & CF);
}
