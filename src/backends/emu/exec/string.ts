// String instructions MOVS STOS LODS CMPS SCAS INS OUTS with REP/REPE/REPNE (SDM vol. 2 "REP/REPE/REPZ/
// REPNE/REPNZ"). Each iteration commits rSI/rDI/rCX before the next, so a fault mid-way leaves a state from
// which the instruction restarts where it stopped; long runs yield (rip stays) so interrupts and kicks are
// taken between chunks, as hardware takes them between iterations.

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { PendingExit } from '../cpu/mmu.js';
import { getReg, setReg } from '../cpu/operands.js';
import { type Insn, Pfx, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { sub, ZF } from './alu.js';
import { checkIoPermission, portIn, portOut } from './io.js';

const DF = 0x400;
const TF = 0x100;
/** Iterations per execution of a REP instruction before it yields (rip unchanged). */
const CHUNK = 4096;

/** Register r as an address at the address size. */
function addrReg(cpu: Cpu, r: number, asize: number): number {
  if (asize === 8) return cpu.reg64(r);
  return asize === 4 ? cpu.regs[2 * r]! : cpu.regs[2 * r]! & 0xffff;
}

function advance(cpu: Cpu, r: number, asize: number, delta: number): void {
  if (asize === 8) cpu.setReg64(r, cpu.reg64(r) + delta);
  else if (asize === 4) cpu.regs[2 * r] = (cpu.regs[2 * r]! + delta) >>> 0;
  else cpu.regs[2 * r] = (cpu.regs[2 * r]! & 0xffff0000) | ((cpu.regs[2 * r]! + delta) & 0xffff);
}

function srcSeg(insn: Insn): number {
  return insn.seg >= 0 ? insn.seg : SegReg.DS;
}

/** One iteration. Returns false when REPE/REPNE's condition ends the repetition. */
function once(cpu: Cpu, insn: Insn, op: number, size: number, delta: number): void {
  const as = insn.asize;
  switch (op) {
    case Op.MOVS: {
      const v = cpu.readN(cpu.linear(srcSeg(insn), addrReg(cpu, 6, as), size, false), size, cpu.needR);
      const hi = cpu.hi;
      cpu.writeN(cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, true), size, v, hi, cpu.needW);
      advance(cpu, 6, as, delta);
      advance(cpu, 7, as, delta);
      return;
    }
    case Op.STOS: {
      const v = getReg(cpu, 0, size, 1);
      cpu.writeN(cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, true), size, v, cpu.hi, cpu.needW);
      advance(cpu, 7, as, delta);
      return;
    }
    case Op.LODS: {
      const v = cpu.readN(cpu.linear(srcSeg(insn), addrReg(cpu, 6, as), size, false), size, cpu.needR);
      setReg(cpu, 0, size, v, cpu.hi, 1);
      advance(cpu, 6, as, delta);
      return;
    }
    case Op.CMPS: {
      // "Compares byte at address DS:(E)SI with byte at address ES:(E)DI and sets the status flags" (src - dst).
      const a = cpu.readN(cpu.linear(srcSeg(insn), addrReg(cpu, 6, as), size, false), size, cpu.needR);
      const aHi = cpu.hi;
      const b = cpu.readN(cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, false), size, cpu.needR);
      cpu.rflags = sub(size, a, aHi, b, cpu.hi, 0, cpu.rflags);
      advance(cpu, 6, as, delta);
      advance(cpu, 7, as, delta);
      return;
    }
    case Op.SCAS: {
      const a = getReg(cpu, 0, size, 1);
      const aHi = cpu.hi;
      const b = cpu.readN(cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, false), size, cpu.needR);
      cpu.rflags = sub(size, a, aHi, b, cpu.hi, 0, cpu.rflags);
      advance(cpu, 7, as, delta);
      return;
    }
    case Op.INS: {
      const port = cpu.regs[4]! & 0xffff;
      checkIoPermission(cpu, port, size);
      const la = cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, true);
      cpu.probeWrite(la, size, cpu.needW);
      if (cpu.dbg.ioActive) cpu.dbg.ioAccess(port, size);
      const v = portIn(cpu, port, size);
      cpu.writeN(la, size, v, 0, cpu.needW);
      advance(cpu, 7, as, delta);
      return;
    }
    default: {
      // OUTS
      const port = cpu.regs[4]! & 0xffff;
      checkIoPermission(cpu, port, size);
      const v = cpu.readN(cpu.linear(srcSeg(insn), addrReg(cpu, 6, as), size, false), size, cpu.needR);
      if (cpu.dbg.ioActive) cpu.dbg.ioAccess(port, size);
      portOut(cpu, port, size, v);
      advance(cpu, 6, as, delta);
    }
  }
}

function countZero(cpu: Cpu, asize: number): boolean {
  const r = cpu.regs;
  return asize === 8 ? (r[2]! | r[3]!) === 0 : asize === 4 ? r[2] === 0 : (r[2]! & 0xffff) === 0;
}

function decCount(cpu: Cpu, asize: number): void {
  const r = cpu.regs;
  if (asize === 8) {
    const lo = (r[2]! - 1) >>> 0;
    if (lo === 0xffffffff) r[3] = (r[3]! - 1) >>> 0;
    r[2] = lo;
  } else if (asize === 4) r[2] = (r[2]! - 1) >>> 0;
  else r[2] = (r[2]! & 0xffff0000) | ((r[2]! - 1) & 0xffff);
}

function stringOp(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const delta = (cpu.rflags & DF) !== 0 ? -size : size;
  const rep = insn.prefixes & (Pfx.Rep | Pfx.Repne);
  if (rep === 0) {
    once(cpu, insn, op, size, delta);
    return;
  }
  const as = insn.asize;
  const conditional = op === Op.CMPS || op === Op.SCAS;
  // With the debug unit armed, one iteration per step: traps and single-steps see every iteration.
  let budget = cpu.dbg.active || (cpu.rflags & TF) !== 0 ? 1 : CHUNK;
  for (;;) {
    if (countZero(cpu, as)) return;
    once(cpu, insn, op, size, delta);
    decCount(cpu, as);
    if (conditional) {
      // REPE stops when ZF = 0, REPNE when ZF = 1 ("...or the count reaches 0").
      const zf = (cpu.rflags & ZF) !== 0;
      if ((rep & Pfx.Rep) !== 0 ? !zf : zf) return;
    }
    if (countZero(cpu, as)) return;
    if (cpu.exitKind !== PendingExit.None || --budget === 0) {
      cpu.nextRip = cpu.startRip;
      return;
    }
  }
}

export function registerString(t: ExecFn[]): void {
  for (const op of [Op.MOVS, Op.STOS, Op.LODS, Op.CMPS, Op.SCAS, Op.INS, Op.OUTS]) {
    t[op] = (cpu, insn) => stringOp(cpu, insn, op);
  }
}
