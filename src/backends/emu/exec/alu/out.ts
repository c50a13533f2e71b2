// Conventions of the pure ALU functions (alu/*.ts), shared with the executor.
//
// Values: an operand of size 1, 2 or 4 is an unsigned JS number in (lo) and hi is ignored (pass 0); an
// operand of size 8 is the pair (lo, hi) of unsigned 32-bit halves, exactly as GPR i sits in the CPU's
// Uint32Array (lo at [2i], hi at [2i+1]). No BigInt anywhere.
// Results: written into the module-level `aluOut` (never allocated per call): lo/hi = the result (for
// sizes < 8, lo is zero-extended to the size and hi = 0); lo2/hi2 = a second result (MUL/IMUL high half,
// DIV/IDIV remainder). Functions take the current RFLAGS (a JS number) and return the new RFLAGS with the
// arithmetic flags (CF PF AF ZF SF OF) they write replaced; every other bit is passed through.
// `aluOut.undef` is set to the RFLAGS bits the SDM calls "undefined" for that call; the value returned in
// those bits is what this project's reference host CPU (AMD EPYC) produces, as checked by the host oracle.
// A function that can fault (DIV/IDIV: #DE) returns -1 instead of flags and leaves aluOut unspecified.

import { RFLAGS } from '../../../../x86/control-regs.js';

export const aluOut = { lo: 0, hi: 0, lo2: 0, hi2: 0, undef: 0 };

/** The arithmetic flags' RFLAGS bits. */
export const { CF, PF, AF, ZF, SF, OF } = RFLAGS;
export { STATUS_FLAGS as ARITH } from '../../../../x86/control-regs.js';

/** PF: set if the least-significant byte of the result has an even number of 1 bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  b ^= b >> 4;
  b ^= b >> 2;
  b ^= b >> 1;
  PARITY[i] = b & 1 ? 0 : PF;
}

/** All-ones mask of a 1/2/4-byte value. */
export function sizeMask(size: number): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}

/** ZF, SF and PF of a result (lo for sizes 1/2/4; lo and hi for size 8). */
export function szp(size: number, lo: number, hi: number): number {
  if (size === 8) return ((lo | hi) === 0 ? ZF : 0) | (hi & 0x80000000 ? SF : 0) | PARITY[lo & 0xff];
  const sign = size === 4 ? 0x80000000 : size === 2 ? 0x8000 : 0x80;
  return (lo === 0 ? ZF : 0) | (lo & sign ? SF : 0) | PARITY[lo & 0xff];
}
