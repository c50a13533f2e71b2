// Protection checks software asks for: LAR LSL VERR VERW ARPL BOUND (SDM vol. 2), and the instructions this
// CPU defines as #UD through what it advertises: XGETBV/XSETBV/XSAVE/XRSTOR ("#UD if CR4.OSXSAVE = 0",
// which cannot be set because CPUID.1:ECX.XSAVE = 0), MONITOR/MWAIT (CPUID.1:ECX.MONITOR = 0), RDPID
// (CPUID.7:ECX.RDPID = 0), RSM ("#UD if not in SMM").
import { RFLAGS } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear, readOp, setReg, writeOp } from '../cpu/operands.js';
import { rawDesc, readDescriptor, segScratch } from '../cpu/segments.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const { ZF } = RFLAGS;

/** System-descriptor types LAR (and, without the gates, LSL) accept; IA-32e mode narrows them. */
const LAR_LEGACY = new Set([1, 2, 3, 4, 5, 9, 0xb, 0xc]);
const LAR_LONG = new Set([2, 9, 0xb, 0xc]);
const LSL_LEGACY = new Set([1, 2, 3, 9, 0xb]);
const LSL_LONG = new Set([2, 9, 0xb]);

/** Reads the descriptor for LAR/LSL/VERR/VERW; false when "the selector is not valid" for them (ZF = 0). */
function visible(cpu: Cpu, sel: number, systemOk: Set<number> | undefined): boolean {
  if ((sel & 0xfffc) === 0 || !readDescriptor(cpu, sel, segScratch)) return false;
  const d = segScratch;
  if (!d.s) {
    if (systemOk === undefined || !systemOk.has(d.type)) return false;
  } else if ((d.type & 0xc) === 0xc) {
    return true; // conforming code: no privilege check
  }
  return d.dpl >= cpu.cpl && d.dpl >= (sel & 3);
}

function protectedOnly(cpu: Cpu): void {
  if ((cpu.cr0 & 1) === 0 || (cpu.rflags & (1 << 17)) !== 0) cpu.raise(Vector.UD);
}

function lar(cpu: Cpu, insn: Insn): void {
  protectedOnly(cpu);
  const sel = readOp(cpu, insn, insn.o2, 2, false) & 0xffff;
  const long = (cpu.efer & 0x400) !== 0;
  if (!visible(cpu, sel, long ? LAR_LONG : LAR_LEGACY)) {
    cpu.rflags &= ~ZF;
    return;
  }
  // "The access rights ... bits 23:8 of the second doubleword" (masked 0x00F0FF00; 0xFF00 for 16 bits).
  const ar = insn.osize === 2 ? rawDesc.hi & 0xff00 : rawDesc.hi & 0x00f0ff00;
  setReg(cpu, insn.reg, insn.osize, ar, 0, insn.rex);
  cpu.rflags |= ZF;
}

function lsl(cpu: Cpu, insn: Insn): void {
  protectedOnly(cpu);
  const sel = readOp(cpu, insn, insn.o2, 2, false) & 0xffff;
  const long = (cpu.efer & 0x400) !== 0;
  if (!visible(cpu, sel, long ? LSL_LONG : LSL_LEGACY)) {
    cpu.rflags &= ~ZF;
    return;
  }
  setReg(cpu, insn.reg, insn.osize, insn.osize === 2 ? segScratch.limit & 0xffff : segScratch.limit, 0, insn.rex);
  cpu.rflags |= ZF;
}

/** VERR: readable (data, or readable code); VERW: writable data. */
function verify(cpu: Cpu, insn: Insn, write: boolean): void {
  protectedOnly(cpu);
  const sel = readOp(cpu, insn, insn.o1, 2, false) & 0xffff;
  let ok = visible(cpu, sel, undefined) && segScratch.s === 1;
  if (ok) {
    const code = (segScratch.type & 8) !== 0;
    ok = write ? !code && (segScratch.type & 2) !== 0 : !code || (segScratch.type & 2) !== 0;
  }
  if (ok) cpu.rflags |= ZF;
  else cpu.rflags &= ~ZF;
}

/** ARPL: "IF dest.RPL < src.RPL THEN ZF = 1; dest.RPL = src.RPL ELSE ZF = 0". */
function arpl(cpu: Cpu, insn: Insn): void {
  protectedOnly(cpu);
  const d = readOp(cpu, insn, insn.o1, 2, true);
  const s = readOp(cpu, insn, insn.o2, 2, false);
  if ((d & 3) < (s & 3)) {
    writeOp(cpu, insn, insn.o1, 2, (d & ~3) | (s & 3), 0, true);
    cpu.rflags |= ZF;
  } else cpu.rflags &= ~ZF;
}

/** BOUND: "IF (index < lower bound) or (index > upper bound) THEN #BR" (signed, at the operand size). */
function bound(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const la = memLinear(cpu, insn, size * 2, false);
  const sx = (v: number): number => (size === 2 ? (v << 16) >> 16 : v | 0);
  const lower = sx(cpu.readN(la, size, cpu.needR));
  const upper = sx(cpu.readN(la + size, size, cpu.needR));
  const index = sx(readOp(cpu, insn, insn.o1, size, false));
  if (index < lower || index > upper) cpu.raise(Vector.BR);
}

export function registerProtection(t: ExecFn[]): void {
  t[Op.LAR] = lar;
  t[Op.LSL] = lsl;
  t[Op.VERR] = (cpu, insn) => verify(cpu, insn, false);
  t[Op.VERW] = (cpu, insn) => verify(cpu, insn, true);
  t[Op.ARPL] = arpl;
  t[Op.BOUND] = bound;
  for (const op of [Op.XGETBV, Op.XSETBV, Op.XSAVE, Op.XRSTOR, Op.MONITOR, Op.MWAIT, Op.RDPID, Op.RSM]) {
    t[op] = (cpu) => cpu.raise(Vector.UD);
  }
}
