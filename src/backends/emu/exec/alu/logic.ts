// AND OR XOR TEST NOT (SDM vol. 2: "The OF and CF flags are cleared; the SF, ZF, and PF flags are set
// according to the result. The state of the AF flag is undefined." NOT: "None" flags affected).
import { AF, ARITH, aluOut, szp } from './out.js';

/** AF after a logical op, where the SDM leaves it undefined: the reference host clears it. */
const LOGIC_AF = 0;

export function and(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  const lo = (aLo & bLo) >>> 0;
  const hi = size === 8 ? (aHi & bHi) >>> 0 : 0;
  aluOut.lo = lo;
  aluOut.hi = hi;
  aluOut.undef = AF;
  return (flags & ~ARITH) | szp(size, lo, hi) | LOGIC_AF;
}

export function or(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  const lo = (aLo | bLo) >>> 0;
  const hi = size === 8 ? (aHi | bHi) >>> 0 : 0;
  aluOut.lo = lo;
  aluOut.hi = hi;
  aluOut.undef = AF;
  return (flags & ~ARITH) | szp(size, lo, hi) | LOGIC_AF;
}

export function xor(size: number, aLo: number, aHi: number, bLo: number, bHi: number, flags: number): number {
  const lo = (aLo ^ bLo) >>> 0;
  const hi = size === 8 ? (aHi ^ bHi) >>> 0 : 0;
  aluOut.lo = lo;
  aluOut.hi = hi;
  aluOut.undef = AF;
  return (flags & ~ARITH) | szp(size, lo, hi) | LOGIC_AF;
}

/** NOT: "Flags Affected: None." */
export function not(size: number, lo: number, hi: number, flags: number): number {
  aluOut.lo = size === 4 ? ~lo >>> 0 : size === 8 ? ~lo >>> 0 : ~lo & (size === 2 ? 0xffff : 0xff);
  aluOut.hi = size === 8 ? ~hi >>> 0 : 0;
  aluOut.undef = 0;
  return flags;
}
