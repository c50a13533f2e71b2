// Locked read-modify-write instructions: CMPXCHG CMPXCHG8B CMPXCHG16B XADD (LOCK is accepted and, on one
// vCPU thread executing the instruction as a whole, needs nothing more).

import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear, readOp, setReg, writeOp } from '../cpu/operands.js';
import { type Insn, Opnd, Reg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { add, aluOut, sub, ZF } from './alu/index.js';

/** CMPXCHG: "Compare AL/AX/EAX/RAX with the destination. If equal, ZF is set and the source is loaded into
 *  the destination. Otherwise ZF is cleared and the destination is loaded into AL/AX/EAX/RAX" (flags as CMP). */
function cmpxchg(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const d = readOp(cpu, insn, insn.o1, size, true);
  const dHi = cpu.hi;
  const a = readOp(cpu, insn, Opnd.Acc, size, false);
  const aHi = cpu.hi;
  const nf = sub(size, a, aHi, d, dHi, 0, cpu.rflags);
  if ((nf & ZF) !== 0) {
    const s = readOp(cpu, insn, insn.o2, size, false);
    writeOp(cpu, insn, insn.o1, size, s, cpu.hi, true);
  } else {
    // "The destination operand is written back if the comparison fails" (memory forms).
    if (insn.mod !== 3) writeOp(cpu, insn, insn.o1, size, d, dHi, true);
    setReg(cpu, Reg.RAX, size, d, dHi, 1);
  }
  cpu.rflags = nf;
}

/** CMPXCHG8B/16B: compare rDX:rAX with m64/m128; equal: store rCX:rBX, ZF = 1; else load rDX:rAX, ZF = 0.
 *  "#GP(0) if the memory operand for CMPXCHG16B is not aligned on a 16-byte boundary". */
function cmpxchgWide(cpu: Cpu, insn: Insn): void {
  const r = cpu.regs;
  if ((insn.rex & 8) !== 0) {
    const la = memLinear(cpu, insn, 16, true);
    if (la % 16 !== 0) cpu.raise(Vector.GP, 0);
    const lo0 = cpu.read64(la, cpu.needW);
    const lo1 = cpu.hi;
    const hi0 = cpu.read64(la + 8, cpu.needW);
    const hi1 = cpu.hi;
    if (lo0 === r[0] && lo1 === r[1] && hi0 === r[4] && hi1 === r[5]) {
      cpu.write64(la, r[6]!, r[7]!, cpu.needW);
      cpu.write64(la + 8, r[2]!, r[3]!, cpu.needW);
      cpu.rflags |= ZF;
    } else {
      cpu.write64(la, lo0, lo1, cpu.needW);
      cpu.write64(la + 8, hi0, hi1, cpu.needW);
      r[0] = lo0;
      r[1] = lo1;
      r[4] = hi0;
      r[5] = hi1;
      cpu.rflags &= ~ZF;
    }
    return;
  }
  const la = memLinear(cpu, insn, 8, true);
  const lo = cpu.read32(la, cpu.needW);
  const hi = cpu.read32(la + 4, cpu.needW);
  if (lo === r[0] && hi === r[4]) {
    cpu.write32(la, r[6]!, cpu.needW);
    cpu.write32(la + 4, r[2]!, cpu.needW);
    cpu.rflags |= ZF;
  } else {
    cpu.write32(la, lo, cpu.needW);
    cpu.write32(la + 4, hi, cpu.needW);
    r[0] = lo;
    r[1] = 0;
    r[4] = hi;
    r[5] = 0;
    cpu.rflags &= ~ZF;
  }
}

/** XADD: "Exchanges the first operand with the second, then loads the sum into the destination". */
function xadd(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const d = readOp(cpu, insn, insn.o1, size, true);
  const dHi = cpu.hi;
  const s = readOp(cpu, insn, insn.o2, size, false);
  const sHi = cpu.hi;
  const nf = add(size, d, dHi, s, sHi, 0, cpu.rflags);
  const sumLo = aluOut.lo;
  const sumHi = aluOut.hi;
  writeOp(cpu, insn, insn.o2, size, d, dHi, false);
  writeOp(cpu, insn, insn.o1, size, sumLo, sumHi, true);
  cpu.rflags = nf;
}

export function registerAtomic(t: ExecFn[]): void {
  t[Op.CMPXCHG] = cmpxchg;
  t[Op.CMPXCHG8B] = cmpxchgWide;
  t[Op.CMPXCHG16B] = cmpxchgWide;
  t[Op.XADD] = xadd;
}
