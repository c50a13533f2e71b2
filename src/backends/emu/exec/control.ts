// Control and debug registers: MOV CRn, MOV DRn, CLTS, LMSW, SMSW, and the mode transitions they cause
// (SDM vol. 3 §2.5, §9.8.5 "Initializing IA-32e Mode": "IA32_EFER.LMA is set when CR0.PG is set with
// IA32_EFER.LME = 1"; enabling paging with LME needs CR4.PAE, else #GP).
import { CR0, CR4, EFER } from '../../../x86/control-regs.js';
import { MAXPHYADDR } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { readOp, setReg, writeOp } from '../cpu/operands.js';
import { type Insn, Opnd } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;
/** CR4 bits this CPU lets a guest set (VME/PVI are accepted but have no effect here). */
const CR4_VALID =
  CR4.VME |
  CR4.PVI |
  CR4.TSD |
  CR4.DE |
  CR4.PSE |
  CR4.PAE |
  CR4.MCE |
  CR4.PGE |
  CR4.PCE |
  CR4.OSFXSR |
  CR4.OSXMMEXCPT |
  CR4.UMIP |
  CR4.FSGSBASE |
  CR4.SMEP;
/** CR0 bits that change how addresses translate: a change flushes the TLB. */
const CR0_PAGING = CR0.PG | CR0.WP | CR0.PE;

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
}

export function writeCr0(cpu: Cpu, v: number): void {
  v = (v | CR0.ET) >>> 0;
  // "#GP(0) if setting PG without PE, or NW without CD".
  if ((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) cpu.raise(Vector.GP, 0);
  if ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0) cpu.raise(Vector.GP, 0);
  const old = cpu.cr0;
  const pgOn = (v & CR0.PG) !== 0 && (old & CR0.PG) === 0;
  const pgOff = (v & CR0.PG) === 0 && (old & CR0.PG) !== 0;
  if (pgOn && (cpu.efer & EFER.LME) !== 0) {
    if ((cpu.cr4 & CR4.PAE) === 0) cpu.raise(Vector.GP, 0);
    cpu.efer |= EFER.LMA;
  }
  // Leaving paging in IA-32e mode is only legal from compatibility mode ("#GP if in 64-bit mode").
  if (pgOff && (cpu.efer & EFER.LMA) !== 0) {
    if (cpu.long64) cpu.raise(Vector.GP, 0);
    cpu.efer &= ~EFER.LMA;
  }
  cpu.cr0 = v;
  if (((old ^ v) & CR0_PAGING) !== 0) cpu.flushTlb(true);
  cpu.updateMode();
}

function writeCr4(cpu: Cpu, v: number): void {
  if ((v & ~CR4_VALID) !== 0) cpu.raise(Vector.GP, 0);
  // "#GP if clearing CR4.PAE while IA32_EFER.LMA = 1".
  if ((cpu.efer & EFER.LMA) !== 0 && (v & CR4.PAE) === 0) cpu.raise(Vector.GP, 0);
  const old = cpu.cr4;
  cpu.cr4 = v >>> 0;
  if (((old ^ v) & (CR4.PGE | CR4.PAE | CR4.PSE | CR4.SMEP)) !== 0) cpu.flushTlb(true);
}

function movCr(cpu: Cpu, insn: Insn): void {
  requireCpl0(cpu);
  const size = cpu.long64 ? 8 : 4;
  const n = insn.reg;
  if (insn.o1 === Opnd.CReg) {
    const lo = readOp(cpu, insn, insn.o2, size, false);
    const hi = size === 8 ? cpu.hi : 0;
    switch (n) {
      case 0:
        if (hi !== 0) cpu.raise(Vector.GP, 0);
        writeCr0(cpu, lo);
        return;
      case 2:
        cpu.cr2 = (hi | 0) * TWO32 + lo;
        return;
      case 3:
        // "#GP(0) if an attempt is made to write a 1 to any reserved bit in CR3" (bits MAXPHYADDR and up).
        if (hi >>> (MAXPHYADDR - 32) !== 0) cpu.raise(Vector.GP, 0);
        cpu.cr3 = hi * TWO32 + lo;
        // "Writing CR3 invalidates all TLB entries except global pages".
        cpu.flushTlb(false);
        return;
      case 4:
        if (hi !== 0) cpu.raise(Vector.GP, 0);
        writeCr4(cpu, lo);
        return;
      case 8:
        if ((lo & ~0xf) !== 0 || hi !== 0) cpu.raise(Vector.GP, 0);
        cpu.cr8 = lo;
        return;
      default:
        cpu.raise(Vector.UD);
    }
  }
  let lo: number;
  let hi = 0;
  switch (n) {
    case 0:
      lo = cpu.cr0;
      break;
    case 2:
      lo = cpu.cr2 >>> 0;
      hi = Math.floor(cpu.cr2 / TWO32) >>> 0;
      break;
    case 3:
      lo = cpu.cr3 >>> 0;
      hi = Math.floor(cpu.cr3 / TWO32) >>> 0;
      break;
    case 4:
      lo = cpu.cr4;
      break;
    case 8:
      lo = cpu.cr8;
      break;
    default:
      cpu.raise(Vector.UD);
  }
  writeOp(cpu, insn, insn.o1, size, lo >>> 0, size === 8 ? hi : 0, false);
}

/** MOV DRn: all rules (CR4.DE aliasing, GD, CPL, reserved bits) belong to the debug unit. */
function movDr(cpu: Cpu, insn: Insn): void {
  const size = cpu.long64 ? 8 : 4;
  if (insn.o1 === Opnd.DReg) {
    const lo = readOp(cpu, insn, insn.o2, size, false);
    // --- DEBUG hook: MOV to DR ---
    cpu.dbg.writeDr(insn.reg, lo, size === 8 ? cpu.hi : 0);
    return;
  }
  // --- DEBUG hook: MOV from DR ---
  const v = cpu.dbg.readDr(insn.reg);
  setReg(cpu, insn.rm, size, v >>> 0, size === 8 ? Math.floor(v / TWO32) >>> 0 : 0, insn.rex);
}

/** CLTS: CR0.TS = 0 (CPL 0). */
function clts(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.cr0 &= ~CR0.TS;
}

/** LMSW: loads CR0 bits 0-3; "cannot be used to clear the PE flag". */
function lmsw(cpu: Cpu, insn: Insn): void {
  requireCpl0(cpu);
  const v = readOp(cpu, insn, insn.o1, 2, false);
  const low = (v & 0xf) | (cpu.cr0 & CR0.PE);
  writeCr0(cpu, ((cpu.cr0 & ~0xf) | low) >>> 0);
}

/** SMSW: CR0's low 16 bits (register forms at the operand size). */
function smsw(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr4 & CR4.UMIP) !== 0 && cpu.cpl > 0) cpu.raise(Vector.GP, 0);
  const size = insn.mod === 3 ? insn.osize : 2;
  writeOp(cpu, insn, insn.o1, size, size === 2 ? cpu.cr0 & 0xffff : cpu.cr0, 0, false);
}

export function registerControl(t: ExecFn[]): void {
  t[Op.MOV_CR] = movCr;
  t[Op.MOV_DR] = movDr;
  t[Op.CLTS] = clts;
  t[Op.LMSW] = lmsw;
  t[Op.SMSW] = smsw;
}
