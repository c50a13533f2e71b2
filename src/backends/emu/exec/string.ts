// String instructions MOVS STOS LODS CMPS SCAS INS OUTS with REP/REPE/REPNE (SDM vol. 2 "REP/REPE/REPZ/
// REPNE/REPNZ"). Each iteration commits rSI/rDI/rCX before the next, so a fault mid-way leaves a state from
// which the instruction restarts where it stopped; long runs yield (rip stays) so interrupts and kicks are
// taken between chunks, as hardware takes them between iterations. Forward REP STOS/MOVS in RAM go a page
// at a time (bulk()) when nothing watches them: the result is that of the iterations, done as one fill/copy.

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { PendingExit } from '../cpu/mmu.js';
import { getReg, setReg } from '../cpu/operands.js';
import { type Insn, Pfx, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { sub, ZF } from './alu/index.js';
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

const PAGE = 4096;

/** Whether the ES destination of a forward string op is a flat segment (no limit check per element). */
function flatEs(cpu: Cpu): boolean {
  return cpu.long64 || (cpu.segBase[SegReg.ES] === 0 && cpu.segLimit[SegReg.ES] === 0xffffffff);
}

/**
 * REP STOS / REP MOVS (DF = 0) as one block copy or fill within a page of RAM: up to `max` elements, as many
 * as fit before the destination (and source) page ends. Returns how many were done, 0 when the elementwise
 * loop must run instead (MMIO, a page-crossing element, overlapping MOVS, a segment with a limit).
 * Translation happens first, so a #PF is raised before anything changes, exactly as the first iteration's.
 */
function bulk(cpu: Cpu, insn: Insn, op: number, size: number, max: number): number {
  const as = insn.asize;
  if (as === 2 || !flatEs(cpu)) return 0;
  const dLa = cpu.linear(SegReg.ES, addrReg(cpu, 7, as), size, true);
  let n = Math.min(max, Math.floor((PAGE - (dLa & 0xfff)) / size));
  let sPa = -1;
  let sLa = 0;
  if (op === Op.MOVS) {
    if (
      !cpu.long64 &&
      (srcSeg(insn) !== SegReg.DS || cpu.segBase[SegReg.DS] !== 0 || cpu.segLimit[SegReg.DS] !== 0xffffffff)
    )
      return 0;
    sLa = cpu.linear(srcSeg(insn), addrReg(cpu, 6, as), size, false);
    n = Math.min(n, Math.floor((PAGE - (sLa & 0xfff)) / size));
  }
  if (n < 2) return 0;
  const bytes = n * size;
  if (op === Op.MOVS) {
    sPa = cpu.translate(sLa, cpu.needR);
    if (sPa + bytes > cpu.ramSize) return 0;
  }
  const dPa = cpu.translate(dLa, cpu.needW);
  if (dPa + bytes > cpu.ramSize) return 0;
  const ram = cpu.ram;
  if (op === Op.MOVS) {
    // Elementwise MOVS over overlapping ranges replicates; a block move would not.
    if (dPa < sPa + bytes && sPa < dPa + bytes) return 0;
    ram.copyWithin(dPa, sPa, sPa + bytes);
    advance(cpu, 6, as, bytes);
  } else if (size === 1) ram.fill(cpu.regs[0]! & 0xff, dPa, dPa + bytes);
  else {
    const v = getReg(cpu, 0, size, 1);
    cpu.physWrite(dPa, size, v, cpu.hi);
    for (let done = size; done < bytes; done *= 2) ram.copyWithin(dPa + done, dPa, dPa + Math.min(done, bytes - done));
  }
  advance(cpu, 7, as, bytes);
  // rCX -= n at the address size.
  if (as === 8) cpu.setReg64(1, cpu.reg64(1) - n);
  else cpu.regs[2] = (cpu.regs[2]! - n) >>> 0;
  return n;
}

/** rCX at the address size (a double; exact below 2^53). */
function count(cpu: Cpu, asize: number): number {
  return asize === 8 ? cpu.reg64(1) : asize === 4 ? cpu.regs[2]! : cpu.regs[2]! & 0xffff;
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
  const block = (op === Op.STOS || op === Op.MOVS) && delta > 0 && budget > 1;
  for (;;) {
    if (countZero(cpu, as)) return;
    if (block) {
      const left = count(cpu, as);
      const n = bulk(cpu, insn, op, size, left < 0 ? budget : Math.min(budget, left));
      if (n > 0) {
        budget -= n;
        if (countZero(cpu, as)) return;
        if (budget <= 0) {
          cpu.nextRip = cpu.startRip;
          return;
        }
        continue;
      }
    }
    once(cpu, insn, op, size, delta);
    // The iteration is committed: a re-run after an MMIO exit starts at the next one.
    cpu.retireMmioReads();
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
