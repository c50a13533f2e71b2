// Data movement: MOV MOVZX MOVSX MOVSXD CBW/CWDE/CDQE CWD/CDQ/CQO LEA XCHG XLAT MOVNTI BSWAP
// ("Flags affected: none" for all of them).

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { effAddrLoHi, readOp, setReg, writeOp } from '../cpu/operands.js';
import { type Insn, Opnd, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

/** The size of a MOVZX/MOVSX source: Eb or Ew (the table's second operand size). */
function srcSize(insn: Insn): number {
  return (insn.opcode & 1) === 0 ? 1 : 2;
}

function mov(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const lo = readOp(cpu, insn, insn.o2, size, false);
  writeOp(cpu, insn, insn.o1, size, lo, cpu.hi, false);
}

function movzx(cpu: Cpu, insn: Insn): void {
  const v = readOp(cpu, insn, Opnd.E, srcSize(insn), false);
  setReg(cpu, insn.reg, insn.osize, v, 0, insn.rex);
}

function movsx(cpu: Cpu, insn: Insn): void {
  const s = srcSize(insn);
  const v = readOp(cpu, insn, Opnd.E, s, false);
  const x = s === 1 ? (v << 24) >> 24 : (v << 16) >> 16;
  setReg(cpu, insn.reg, insn.osize, x >>> 0, x < 0 ? 0xffffffff : 0, insn.rex);
}

/** MOVSXD r64, r/m32: "sign-extend"; with a 16/32-bit operand size it is a plain move. */
function movsxd(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const v = readOp(cpu, insn, Opnd.E, size === 8 ? 4 : size, false);
  setReg(cpu, insn.reg, size, v, (v | 0) < 0 ? 0xffffffff : 0, insn.rex);
}

/** CBW/CWDE/CDQE: sign-extend the low half of rAX into the whole of it. */
function cbw(cpu: Cpu, insn: Insn): void {
  const r = cpu.regs;
  if (insn.osize === 2) r[0] = (r[0]! & 0xffff0000) | (((r[0]! << 24) >> 24) & 0xffff);
  else if (insn.osize === 4) {
    r[0] = ((r[0]! << 16) >> 16) >>> 0;
    r[1] = 0;
  } else r[1] = (r[0]! | 0) < 0 ? 0xffffffff : 0;
}

/** CWD/CDQ/CQO: rDX = the sign of rAX. */
function cwd(cpu: Cpu, insn: Insn): void {
  const r = cpu.regs;
  if (insn.osize === 2) r[4] = (r[4]! & 0xffff0000) | (r[0]! & 0x8000 ? 0xffff : 0);
  else if (insn.osize === 4) {
    r[4] = (r[0]! | 0) < 0 ? 0xffffffff : 0;
    r[5] = 0;
  } else r[4] = r[5] = (r[1]! | 0) < 0 ? 0xffffffff : 0;
}

/** LEA: "the effective address ... truncated/zero-extended to the operand size". */
function lea(cpu: Cpu, insn: Insn): void {
  const lo = effAddrLoHi(cpu, insn);
  setReg(cpu, insn.reg, insn.osize, lo, cpu.hi, insn.rex);
}

/** XCHG: "If a memory operand is referenced, the LOCK protocol is automatically implemented". */
function xchg(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const a = readOp(cpu, insn, insn.o1, size, true);
  const aHi = cpu.hi;
  const b = readOp(cpu, insn, insn.o2, size, false);
  const bHi = cpu.hi;
  writeOp(cpu, insn, insn.o1, size, b, bHi, true);
  writeOp(cpu, insn, insn.o2, size, a, aHi, false);
}

/** XLAT: AL = [seg:rBX + zero-extended AL]. */
function xlat(cpu: Cpu, insn: Insn): void {
  const r = cpu.regs;
  const al = r[0]! & 0xff;
  let off: number;
  if (insn.asize === 8) off = cpu.reg64(3) + al;
  else if (insn.asize === 4) off = (r[6]! + al) >>> 0;
  else off = (r[6]! + al) & 0xffff;
  const v = cpu.read8(cpu.linear(insn.seg >= 0 ? insn.seg : SegReg.DS, off, 1, false), cpu.needR);
  r[0] = (r[0]! & 0xffffff00) | v;
}

/** BSWAP: reverse the bytes of a 32/64-bit register (16-bit form: undefined; zero, as hardware does). */
function bswap(cpu: Cpu, insn: Insn): void {
  const r = insn.zreg;
  const sw = (v: number): number => ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) >>> 0;
  if (insn.osize === 8) {
    const lo = cpu.regs[2 * r]!;
    const hi = cpu.regs[2 * r + 1]!;
    cpu.regs[2 * r] = sw(hi);
    cpu.regs[2 * r + 1] = sw(lo);
  } else if (insn.osize === 4) setReg(cpu, r, 4, sw(cpu.regs[2 * r]!), 0, insn.rex);
  else setReg(cpu, r, 2, 0, 0, insn.rex);
}

export function registerMov(t: ExecFn[]): void {
  t[Op.MOV] = mov;
  t[Op.MOVNTI] = mov;
  t[Op.MOVZX] = movzx;
  t[Op.MOVSX] = movsx;
  t[Op.MOVSXD] = movsxd;
  t[Op.CBW] = cbw;
  t[Op.CWD] = cwd;
  t[Op.LEA] = lea;
  t[Op.XCHG] = xchg;
  t[Op.XLAT] = xlat;
  t[Op.BSWAP] = bswap;
}
