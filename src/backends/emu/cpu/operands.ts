// Operand access for the executors: registers by size (with the legacy AH..BH byte registers), effective
// addresses (16/32/64-bit forms, RIP-relative), and reading/writing an operand of any Opnd kind. Values are
// (lo, hi) uint32 halves; 64-bit reads leave the high half in cpu.hi. No allocation.
import { type Insn, Opnd, Reg, SegReg } from '../decode/insn.js';
import type { Cpu } from './cpu.js';

const TWO32 = 4294967296;

/** Register r at `size` bytes. Without REX, byte registers 4-7 are AH, CH, DH, BH. */
export function getReg(cpu: Cpu, r: number, size: number, rex: number): number {
  const regs = cpu.regs;
  if (size === 4) return regs[2 * r]!;
  if (size === 8) {
    cpu.hi = regs[2 * r + 1]!;
    return regs[2 * r]!;
  }
  if (size === 2) return regs[2 * r]! & 0xffff;
  if (rex === 0 && r >= 4 && r < 8) return (regs[2 * (r - 4)]! >>> 8) & 0xff;
  return regs[2 * r]! & 0xff;
}

/** Writes register r: 32-bit writes zero the upper half ("32-bit operands generate a 32-bit result,
 *  zero-extended to a 64-bit result"); 8/16-bit writes merge. */
export function setReg(cpu: Cpu, r: number, size: number, lo: number, hi: number, rex: number): void {
  const regs = cpu.regs;
  if (size === 4) {
    regs[2 * r] = lo;
    regs[2 * r + 1] = 0;
  } else if (size === 8) {
    regs[2 * r] = lo;
    regs[2 * r + 1] = hi;
  } else if (size === 2) {
    regs[2 * r] = (regs[2 * r]! & 0xffff0000) | (lo & 0xffff);
  } else if (rex === 0 && r >= 4 && r < 8) {
    const i = 2 * (r - 4);
    regs[i] = (regs[i]! & 0xffff00ff) | ((lo & 0xff) << 8);
  } else {
    regs[2 * r] = (regs[2 * r]! & 0xffffff00) | (lo & 0xff);
  }
}

/** The segment of a memory operand: the override, else SS for RSP/RBP-based forms, else DS. */
export function memSeg(insn: Insn): number {
  if (insn.seg >= 0) return insn.seg;
  return insn.base === Reg.RSP || insn.base === Reg.RBP ? SegReg.SS : SegReg.DS;
}

/**
 * Effective address (the offset within the segment), truncated to the address size. 64-bit results are
 * signed doubles; a non-canonical result stays outside +-2^47 so the segmentation check faults on it.
 */
export function effAddr(cpu: Cpu, insn: Insn): number {
  const regs = cpu.regs;
  const asize = insn.asize;
  const base = insn.base;
  const index = insn.index;
  if (asize === 8) {
    if (base === Reg.RIP) return cpu.nextRip + insn.disp;
    let lo = insn.disp;
    // The signed displacement's borrow reaches the high half through the carry below.
    let hi = 0;
    if (base >= 0) {
      lo += regs[2 * base]!;
      hi += regs[2 * base + 1]! | 0;
    }
    if (index >= 0) {
      lo += regs[2 * index]! * insn.scale;
      hi += (regs[2 * index + 1]! | 0) * insn.scale;
    }
    const carry = Math.floor(lo / TWO32);
    lo -= carry * TWO32;
    hi = (hi + carry) | 0;
    return hi * TWO32 + lo;
  }
  let v = insn.disp;
  if (base === Reg.RIP) v += cpu.nextRip;
  else if (base >= 0) v += regs[2 * base]!;
  if (index >= 0) v += regs[2 * index]! * insn.scale;
  return asize === 4 ? v >>> 0 : v & 0xffff;
}

/**
 * The effective address as exact 64-bit halves (LEA keeps every bit, even of non-canonical sums): returns
 * the low half, the high half in cpu.hi. Narrower address sizes give hi = 0.
 */
export function effAddrLoHi(cpu: Cpu, insn: Insn): number {
  if (insn.asize !== 8) {
    cpu.hi = 0;
    return effAddr(cpu, insn) >>> 0;
  }
  const regs = cpu.regs;
  let lo: number;
  let hi: number;
  if (insn.base === Reg.RIP) {
    const v = cpu.nextRip + insn.disp;
    lo = v >>> 0;
    hi = Math.floor(v / TWO32);
  } else {
    lo = insn.disp;
    hi = 0;
    if (insn.base >= 0) {
      lo += regs[2 * insn.base]!;
      hi += regs[2 * insn.base + 1]!;
    }
    if (insn.index >= 0) {
      lo += regs[2 * insn.index]! * insn.scale;
      // The high half times the scale: only its low 32 bits matter (Math.imul keeps them exactly).
      hi += Math.imul(regs[2 * insn.index + 1]!, insn.scale);
    }
  }
  const carry = Math.floor(lo / TWO32);
  cpu.hi = (hi + carry) >>> 0;
  return (lo - carry * TWO32) >>> 0;
}

/** Linear address of the memory operand for an access of `size` bytes. */
export function memLinear(cpu: Cpu, insn: Insn, size: number, write: boolean): number {
  return cpu.linear(memSeg(insn), effAddr(cpu, insn), size, write);
}

/** The immediate at `size`: low half masked, high half (size 8) as the decoder extended it. */
export function immLo(insn: Insn, size: number): number {
  const v = insn.imm;
  return size >= 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
}

/** Linear address of the last memLinear() for a read-modify-write operand. */
let rmwLa = 0;

/** Reads operand `kind` at `size` (for E/M with memory: remembers the address for writeOp). */
export function readOp(cpu: Cpu, insn: Insn, kind: number, size: number, forWrite: boolean): number {
  switch (kind) {
    case Opnd.E:
    case Opnd.M:
    case Opnd.W:
      if (insn.mod === 3) return getReg(cpu, insn.rm, size, insn.rex);
      rmwLa = memLinear(cpu, insn, size, forWrite);
      return cpu.readN(rmwLa, size, cpu.needR);
    case Opnd.G:
      return getReg(cpu, insn.reg, size, insn.rex);
    case Opnd.I:
      cpu.hi = insn.immHi;
      return immLo(insn, size);
    case Opnd.Acc:
      return getReg(cpu, Reg.RAX, size, 1);
    case Opnd.Z:
      return getReg(cpu, insn.zreg, size, insn.rex);
    case Opnd.One:
      cpu.hi = 0;
      return 1;
    case Opnd.CL:
      cpu.hi = 0;
      return cpu.regs[2]! & 0xff;
    case Opnd.DX:
      cpu.hi = 0;
      return cpu.regs[4]! & 0xffff;
    case Opnd.Moffs: {
      const off = insn.asize === 8 ? (insn.dispHi | 0) * TWO32 + insn.disp : insn.disp;
      rmwLa = cpu.linear(insn.seg >= 0 ? insn.seg : SegReg.DS, off, size, forWrite);
      return cpu.readN(rmwLa, size, cpu.needR);
    }
    case Opnd.I2:
      cpu.hi = 0;
      return insn.imm2;
  }
  cpu.raise(6);
}

/** Writes operand `kind`. After readOp(..., forWrite=true) on memory, `reuse` writes to the same address. */
export function writeOp(
  cpu: Cpu,
  insn: Insn,
  kind: number,
  size: number,
  lo: number,
  hi: number,
  reuse: boolean,
): void {
  switch (kind) {
    case Opnd.E:
    case Opnd.M:
    case Opnd.W:
      if (insn.mod === 3) setReg(cpu, insn.rm, size, lo, hi, insn.rex);
      else cpu.writeN(reuse ? rmwLa : memLinear(cpu, insn, size, true), size, lo, hi, cpu.needW);
      return;
    case Opnd.G:
      setReg(cpu, insn.reg, size, lo, hi, insn.rex);
      return;
    case Opnd.Acc:
      setReg(cpu, Reg.RAX, size, lo, hi, 1);
      return;
    case Opnd.Z:
      setReg(cpu, insn.zreg, size, lo, hi, insn.rex);
      return;
    case Opnd.Moffs: {
      if (reuse) {
        cpu.writeN(rmwLa, size, lo, hi, cpu.needW);
        return;
      }
      const off = insn.asize === 8 ? (insn.dispHi | 0) * TWO32 + insn.disp : insn.disp;
      cpu.writeN(cpu.linear(insn.seg >= 0 ? insn.seg : SegReg.DS, off, size, true), size, lo, hi, cpu.needW);
      return;
    }
  }
  cpu.raise(6);
}
