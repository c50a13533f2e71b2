// ROL ROR RCL RCR SHL SHR SAR SHLD SHRD (SDM vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD").
// "The count is masked to 5 bits (or 6 bits with REX.W)"; "If the masked count is 0, the flags are not
// affected." Flags the SDM leaves undefined get the reference host's values (see HOST_* below).
import { Op } from '../../decode/ops.js';
import { AF, aluOut, CF, OF, PF, SF, szp, ZF } from './out.js';
import { bit64, sar64, shl32, shl64, shr32, shr64, wide } from './wide.js';

const SZP = SF | ZF | PF;

function setResult(size: number, lo: number, hi: number): void {
  aluOut.lo = lo;
  aluOut.hi = size === 8 ? hi : 0;
}

/** GRP2 shift/rotate. op is Op.ROL..Op.SAR; count is the raw CL/imm8 (masked here). Returns RFLAGS. */
export function shift(op: number, size: number, lo: number, hi: number, count: number, flags: number): number {
  const bits = size * 8;
  const masked = count & (size === 8 ? 0x3f : 0x1f);
  if (masked === 0) {
    setResult(size, lo, hi);
    aluOut.undef = 0;
    return flags;
  }
  switch (op) {
    case Op.ROL:
    case Op.ROR:
      return rotate(op === Op.ROL, size, bits, lo, hi, masked, flags);
    case Op.RCL:
    case Op.RCR:
      return rotateCarry(op === Op.RCL, size, bits, lo, hi, masked, flags);
    default:
      return shiftLinear(op, size, bits, lo, hi, masked, flags);
  }
}

function rotate(left: boolean, size: number, bits: number, lo: number, hi: number, masked: number, flags: number) {
  // "tempCOUNT ← (COUNT & COUNTMASK) MOD SIZE" for the rotation; CF/OF still update for a non-zero masked count.
  // A right rotation by n is a left rotation by SIZE - n.
  const n = left ? masked % bits : (bits - (masked % bits)) % bits;
  let rlo: number;
  let rhi = 0;
  if (size === 8) {
    shl64(lo, hi, n);
    const l = wide.lo;
    const h = wide.hi;
    shr64(lo, hi, n === 0 ? 64 : 64 - n);
    rlo = (l | wide.lo) >>> 0;
    rhi = (h | wide.hi) >>> 0;
  } else {
    const mask = size === 4 ? 0xffffffff : (1 << bits) - 1;
    rlo = ((shl32(lo, n) | shr32(lo, n === 0 ? 32 : bits - n)) & mask) >>> 0;
  }
  setResult(size, rlo, rhi);
  const top = size === 8 ? rhi : rlo;
  const msb = (top >>> ((bits - 1) & 31)) & 1;
  const msb1 = (top >>> ((bits - 2) & 31)) & 1;
  // ROL: "CF ← LSB(DEST); OF ← MSB(DEST) XOR CF"; ROR: "CF ← MSB(DEST); OF ← MSB(DEST) XOR MSB − 1(DEST)".
  const cf = left ? rlo & 1 : msb;
  const of = left ? msb ^ cf : msb ^ msb1;
  aluOut.undef = masked === 1 ? 0 : OF;
  return (flags & ~(CF | OF)) | cf | (of ? OF : 0);
}

function rotateCarry(left: boolean, size: number, bits: number, lo: number, hi: number, masked: number, flags: number) {
  // "SIZE 8: tempCOUNT ← (COUNT AND 1FH) MOD 9; SIZE 16: MOD 17" — the rotation is through CF (bits+1 wide).
  const n = size === 1 ? masked % 9 : size === 2 ? masked % 17 : masked;
  const cin = flags & CF;
  let rlo = lo;
  let rhi = size === 8 ? hi : 0;
  let cf = cin;
  if (n !== 0) {
    if (size === 8) {
      if (left) {
        shl64(lo, hi, n);
        let l = wide.lo;
        let h = wide.hi;
        shl64(cin, 0, n - 1);
        l |= wide.lo;
        h |= wide.hi;
        shr64(lo, hi, 65 - n);
        rlo = (l | wide.lo) >>> 0;
        rhi = (h | wide.hi) >>> 0;
        cf = bit64(lo, hi, 64 - n);
      } else {
        shr64(lo, hi, n);
        let l = wide.lo;
        let h = wide.hi;
        shl64(cin, 0, 64 - n);
        l |= wide.lo;
        h |= wide.hi;
        shl64(lo, hi, 65 - n);
        rlo = (l | wide.lo) >>> 0;
        rhi = (h | wide.hi) >>> 0;
        cf = bit64(lo, hi, n - 1);
      }
    } else {
      const mask = size === 4 ? 0xffffffff : (1 << bits) - 1;
      if (left) {
        rlo = ((shl32(lo, n) | shl32(cin, n - 1) | shr32(lo, bits + 1 - n)) & mask) >>> 0;
        cf = (lo >>> (bits - n)) & 1;
      } else {
        rlo = ((shr32(lo, n) | shl32(cin, bits - n) | shl32(lo, bits + 1 - n)) & mask) >>> 0;
        cf = (lo >>> (n - 1)) & 1;
      }
    }
  }
  setResult(size, rlo, rhi);
  const top = size === 8 ? rhi : rlo;
  const msb = (top >>> ((bits - 1) & 31)) & 1;
  const msb1 = (top >>> ((bits - 2) & 31)) & 1;
  // RCL: "OF ← MSB(DEST) XOR CF" (after); RCR: "OF ← MSB(DEST) XOR CF" before, i.e. MSB XOR MSB-1 after.
  const of = left ? msb ^ cf : msb ^ msb1;
  aluOut.undef = masked === 1 ? 0 : OF;
  return (flags & ~(CF | OF)) | cf | (of ? OF : 0);
}

function shiftLinear(op: number, size: number, bits: number, lo: number, hi: number, n: number, flags: number) {
  let rlo: number;
  let rhi = 0;
  let cf: number;
  const sign = size === 8 ? hi >>> 31 : (lo >>> (bits - 1)) & 1;
  if (size === 8) {
    if (op === Op.SHL) {
      shl64(lo, hi, n);
      cf = bit64(lo, hi, 64 - n);
    } else if (op === Op.SHR) {
      shr64(lo, hi, n);
      cf = bit64(lo, hi, n - 1);
    } else {
      sar64(lo, hi, n);
      cf = bit64(lo, hi, n - 1);
    }
    rlo = wide.lo;
    rhi = wide.hi;
  } else {
    const mask = size === 4 ? 0xffffffff : (1 << bits) - 1;
    if (op === Op.SHL) {
      rlo = (shl32(lo, n) & mask) >>> 0;
      // "CF: the last bit shifted out"; past the operand width only zeros remain.
      cf = n > bits ? 0 : (lo >>> (bits - n)) & 1;
    } else if (op === Op.SHR) {
      rlo = shr32(lo, n);
      cf = n > bits ? 0 : (lo >>> (n - 1)) & 1;
    } else {
      // SAR: the sign fills; for counts past the width only copies of the sign bit are left.
      const sx = (lo << (32 - bits)) >> (32 - bits); // sign-extended to int32
      rlo = ((sx >> Math.min(n, 31)) & mask) >>> 0;
      cf = n > bits ? sign : (sx >> (n - 1)) & 1;
    }
  }
  setResult(size, rlo, rhi);
  const rsign = size === 8 ? rhi >>> 31 : (rlo >>> (bits - 1)) & 1;
  // SHL: "OF ← MSB(DEST) XOR CF"; SHR: "OF ← MSB(tempDEST)" (the original); SAR: "OF ← 0" (count 1).
  // Counts > 1 (OF undefined): the reference host computes SHL's rule and, for SHR, MSB XOR MSB-1 of the
  // result (equal to MSB(original) for a count of 1, 0 for larger counts).
  const rsign1 = size === 8 ? (rhi >>> 30) & 1 : (rlo >>> (bits - 2)) & 1;
  const of = op === Op.SHL ? rsign ^ cf : op === Op.SHR ? rsign ^ rsign1 : 0;
  aluOut.undef = n === 1 ? AF : AF | OF;
  return (flags & ~(CF | OF | AF | SZP)) | szp(size, rlo, rhi) | cf | (of ? OF : 0) | HOST_SHIFT_AF;
}

/** AF after SHL/SHR/SAR with a non-zero count, where the SDM leaves it undefined: the reference host sets it. */
const HOST_SHIFT_AF = AF;

/**
 * SHLD dest, src, count: "shifts the destination left by count, filling from the most significant bits of
 * the source". Count masked to 5 (6 with REX.W) bits; 0 leaves everything unchanged. For 16-bit operands
 * a count above 16 gives an SDM-undefined result (see the 16-bit branch below).
 */
export function shld(size: number, dLo: number, dHi: number, sLo: number, sHi: number, count: number, flags: number) {
  return doubleShift(true, size, dLo, dHi, sLo, sHi, count, flags);
}

/** SHRD dest, src, count: "shifts the destination right, filling from the least significant bits of the source". */
export function shrd(size: number, dLo: number, dHi: number, sLo: number, sHi: number, count: number, flags: number) {
  return doubleShift(false, size, dLo, dHi, sLo, sHi, count, flags);
}

function doubleShift(
  left: boolean,
  size: number,
  dLo: number,
  dHi: number,
  sLo: number,
  sHi: number,
  count: number,
  flags: number,
): number {
  const n = count & (size === 8 ? 0x3f : 0x1f);
  if (n === 0) {
    setResult(size, dLo, dHi);
    aluOut.undef = 0;
    return flags;
  }
  const bits = size * 8;
  let rlo: number;
  let rhi = 0;
  let cf: number;
  if (size === 8) {
    if (left) {
      shl64(dLo, dHi, n);
      const l = wide.lo;
      const h = wide.hi;
      shr64(sLo, sHi, 64 - n);
      rlo = (l | wide.lo) >>> 0;
      rhi = (h | wide.hi) >>> 0;
      cf = bit64(dLo, dHi, 64 - n);
    } else {
      shr64(dLo, dHi, n);
      const l = wide.lo;
      const h = wide.hi;
      shl64(sLo, sHi, 64 - n);
      rlo = (l | wide.lo) >>> 0;
      rhi = (h | wide.hi) >>> 0;
      cf = bit64(dLo, dHi, n - 1);
    }
  } else if (size === 4) {
    if (left) {
      rlo = (shl32(dLo, n) | shr32(sLo, 32 - n)) >>> 0;
      cf = (dLo >>> (32 - n)) & 1;
    } else {
      rlo = (shr32(dLo, n) | shl32(sLo, 32 - n)) >>> 0;
      cf = (dLo >>> (n - 1)) & 1;
    }
  } else {
    // 16-bit. Counts 17..31 give an SDM-undefined result; the reference host then rotates the source by
    // k = count - 16 and clears CF.
    const k = n > 16 ? n - 16 : n;
    const fill = n > 16 ? sLo : dLo;
    if (left) {
      rlo = (shl32(fill, k) | shr32(sLo, 16 - k)) & 0xffff;
      cf = n > 16 ? 0 : (dLo >>> (16 - k)) & 1;
    } else {
      rlo = (shr32(fill, k) | shl32(sLo, 16 - k)) & 0xffff;
      cf = n > 16 ? 0 : (dLo >>> (k - 1)) & 1;
    }
  }
  setResult(size, rlo, rhi);
  const top = size === 8 ? rhi : rlo;
  const rsign = (top >>> ((bits - 1) & 31)) & 1;
  const rsign1 = (top >>> ((bits - 2) & 31)) & 1;
  // "For a 1-bit shift, the OF flag is set if a sign change occurred; otherwise, it is cleared." For larger
  // counts (undefined) the reference host applies the same formulas as SHL/SHR: SHLD MSB XOR CF, SHRD
  // MSB XOR MSB-1 of the result (both equal the sign-change rule for a count of 1).
  let of = left ? rsign ^ cf : rsign ^ rsign1;
  // 16-bit SHLD with counts >= 16 on the reference host: OF = CF (so 0 above 16, where CF is cleared).
  if (left && size === 2 && n >= 16) of = cf;
  aluOut.undef = n === 1 ? AF : AF | OF;
  return (flags & ~(CF | OF | AF | SZP)) | szp(size, rlo, rhi) | cf | (of ? OF : 0) | HOST_SHIFT_AF;
}
