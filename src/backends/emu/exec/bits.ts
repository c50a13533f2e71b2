// Bit instructions: BT BTS BTR BTC (register or immediate offset), BSF BSR TZCNT LZCNT POPCNT.
// "If the bit base operand specifies a memory location ... the bit offset (register form) can range
// -2^63..2^63-1": the operand address moves by (offset >> log2(width)) operand-size units first;
// an immediate offset is taken modulo the width.

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { effAddr, getReg, memSeg, readOp, setReg } from '../cpu/operands.js';
import { type Insn, Opnd } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { aluOut, bitOp, bsf, bsr, lzcnt, popcnt, tzcnt } from './alu/index.js';

const TWO32 = 4294967296;

function bt(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const width = size * 8;
  const write = op !== Op.BT;
  if (insn.mod === 3) {
    const lo = getReg(cpu, insn.rm, size, insn.rex);
    const hi = cpu.hi;
    const bit = insn.o2 === Opnd.I ? insn.imm & 0xff : getReg(cpu, insn.reg, size, insn.rex);
    const nf = bitOp(op, size, lo, hi, bit & (width - 1), cpu.rflags);
    if (write) setReg(cpu, insn.rm, size, aluOut.lo, aluOut.hi, insn.rex);
    cpu.rflags = nf;
    return;
  }
  // Register offset into memory: a signed offset at the operand size.
  let off: number;
  const r = cpu.regs;
  if (size === 8) off = (r[2 * insn.reg + 1]! | 0) * TWO32 + r[2 * insn.reg]!;
  else if (size === 4) off = r[2 * insn.reg]! | 0;
  else off = (r[2 * insn.reg]! << 16) >> 16;
  const unit = Math.floor(off / width);
  const bit = off - unit * width;
  let ea = effAddr(cpu, insn) + unit * size;
  if (insn.asize === 4) ea = ea >>> 0;
  else if (insn.asize === 2) ea &= 0xffff;
  const la = cpu.linear(memSeg(insn), ea, size, write);
  const lo = cpu.readN(la, size, cpu.needR);
  const nf = bitOp(op, size, lo, cpu.hi, bit, cpu.rflags);
  if (write) cpu.writeN(la, size, aluOut.lo, aluOut.hi, cpu.needW);
  cpu.rflags = nf;
}

/** The memory address readOp() used (for the immediate/register-base write-back above). */
let lastLa = 0;

function btImmMem(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const write = op !== Op.BT;
  lastLa = cpu.linear(memSeg(insn), effAddr(cpu, insn), size, write);
  const lo = cpu.readN(lastLa, size, cpu.needR);
  const nf = bitOp(op, size, lo, cpu.hi, insn.imm & 0xff & (size * 8 - 1), cpu.rflags);
  if (write) cpu.writeN(lastLa, size, aluOut.lo, aluOut.hi, cpu.needW);
  cpu.rflags = nf;
}

function scan(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const s = readOp(cpu, insn, insn.o2, size, false);
  const sHi = cpu.hi;
  const d = getReg(cpu, insn.reg, size, insn.rex);
  const dHi = size === 8 ? cpu.hi : 0;
  const f = cpu.rflags;
  let nf: number;
  switch (op) {
    case Op.BSF:
      nf = bsf(size, s, sHi, d, dHi, f);
      break;
    case Op.BSR:
      nf = bsr(size, s, sHi, d, dHi, f);
      break;
    case Op.TZCNT:
      nf = tzcnt(size, s, sHi, f);
      break;
    case Op.LZCNT:
      nf = lzcnt(size, s, sHi, f);
      break;
    default:
      nf = popcnt(size, s, sHi, f);
  }
  setReg(cpu, insn.reg, size, aluOut.lo, aluOut.hi, insn.rex);
  cpu.rflags = nf;
}

export function registerBits(t: ExecFn[]): void {
  for (const op of [Op.BT, Op.BTS, Op.BTR, Op.BTC]) {
    t[op] = (cpu, insn) => (insn.o2 === Opnd.I && insn.mod !== 3 ? btImmMem(cpu, insn, op) : bt(cpu, insn, op));
  }
  for (const op of [Op.BSF, Op.BSR, Op.TZCNT, Op.LZCNT, Op.POPCNT]) t[op] = (cpu, insn) => scan(cpu, insn, op);
}
