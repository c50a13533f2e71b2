// The integer ALU: pure arithmetic and flag functions (conventions in alu/out.ts). The executor imports
// from here; each family lives in its own alu-*.ts file.
import { Op } from '../../decode/ops.js';
import { add, sub } from './add.js';
import { and, or, xor } from './logic.js';
import { CF } from './out.js';

export { add, dec, inc, neg, sub } from './add.js';
export { bitOp, bsf, bsr, bswap, lzcnt, popcnt, tzcnt } from './bits.js';
export { and, not, or, xor } from './logic.js';
export { div, idiv, imul1, imul2, mul } from './muldiv.js';
export { AF, ARITH, aluOut, CF, OF, PARITY, PF, SF, ZF } from './out.js';
export { shift, shld, shrd } from './shift.js';

/**
 * The eight GRP1 operations plus TEST, by Op: ADD OR ADC SBB AND SUB XOR CMP TEST. CMP and TEST also
 * leave their (unstored) result in aluOut. Returns the new RFLAGS.
 */
export function binop(op: number, size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number) {
  switch (op) {
    case Op.ADD:
      return add(size, aLo, aHi, bLo, bHi, 0, flags);
    case Op.ADC:
      return add(size, aLo, aHi, bLo, bHi, flags & CF, flags);
    case Op.SUB:
    case Op.CMP:
      return sub(size, aLo, aHi, bLo, bHi, 0, flags);
    case Op.SBB:
      return sub(size, aLo, aHi, bLo, bHi, flags & CF, flags);
    case Op.OR:
      return or(size, aLo, aHi, bLo, bHi, flags);
    case Op.XOR:
      return xor(size, aLo, aHi, bLo, bHi, flags);
    default:
      // AND, TEST
      return and(size, aLo, aHi, bLo, bHi, flags);
  }
}

/** Sign-extend the low `from` bytes of (lo) to 32 bits (unsigned result) — MOVSX, CBW/CWDE, CWD's source. */
export function sext32(from: number, lo: number): number {
  return from === 1 ? ((lo << 24) >> 24) >>> 0 : from === 2 ? ((lo << 16) >> 16) >>> 0 : lo >>> 0;
}
