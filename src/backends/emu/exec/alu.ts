// The integer ALU: pure arithmetic and flag functions (conventions in alu-out.ts). The executor imports
// from here; each family lives in its own alu-*.ts file.
export { add, dec, inc, neg, sub } from './alu-add.js';
export { and, not, or, xor } from './alu-logic.js';
export { AF, ARITH, aluOut, CF, OF, PARITY, PF, SF, ZF } from './alu-out.js';
// Families filled in next, with these signatures (all return the new RFLAGS, results in aluOut):
//   shift(op: Op.ROL..Op.SAR, size, lo, hi, count /* raw; masked here */, flags)
//   shld(size, dLo, dHi, sLo, sHi, count, flags) / shrd(...)
//   mul(size, aLo, aHi, bLo, bHi, flags) / imul1(...): low half in lo/hi, high half in lo2/hi2
//     (size 1: lo = AL, lo2 = AH)
//   imul2(size, aLo, aHi, bLo, bHi, flags): truncated product (IMUL r, r/m and IMUL r, r/m, imm)
//   div(size, highLo, highHi, lowLo, lowHi, dLo, dHi, flags) / idiv(...): dividend = high:low
//     (size 1: high = AH, low = AL); quotient in lo/hi, remainder in lo2/hi2; returns -1 for #DE
//   bitOp(op: Op.BT..Op.BTC, size, lo, hi, bit /* masked here to size*8-1 */, flags)
//   bsf/bsr(size, srcLo, srcHi, dstLo, dstHi, flags); tzcnt/lzcnt/popcnt(size, lo, hi, flags)
//   bswap(size, lo, hi): void
