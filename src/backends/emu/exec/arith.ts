// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT (flag rules live in
// the pure ALU, alu/*.ts). "The destination operand can be a register or a memory location" — a memory
// destination is read with write intent, computed, written, and only then RFLAGS change.

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { readOp, writeOp } from '../cpu/operands.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { add, aluOut, and, CF, dec, inc, neg, not, or, sub, xor } from './alu/index.js';

function binary(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const store = op !== Op.CMP && op !== Op.TEST;
  const a = readOp(cpu, insn, insn.o1, size, store);
  const aHi = cpu.hi;
  const b = readOp(cpu, insn, insn.o2, size, false);
  const bHi = cpu.hi;
  const f = cpu.rflags;
  let nf: number;
  switch (op) {
    case Op.ADD:
      nf = add(size, a, aHi, b, bHi, 0, f);
      break;
    case Op.ADC:
      nf = add(size, a, aHi, b, bHi, f & CF, f);
      break;
    case Op.SUB:
    case Op.CMP:
      nf = sub(size, a, aHi, b, bHi, 0, f);
      break;
    case Op.SBB:
      nf = sub(size, a, aHi, b, bHi, f & CF, f);
      break;
    case Op.AND:
    case Op.TEST:
      nf = and(size, a, aHi, b, bHi, f);
      break;
    case Op.OR:
      nf = or(size, a, aHi, b, bHi, f);
      break;
    default:
      nf = xor(size, a, aHi, b, bHi, f);
      break;
  }
  if (store) writeOp(cpu, insn, insn.o1, size, aluOut.lo, aluOut.hi, true);
  cpu.rflags = nf;
}

function unary(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const a = readOp(cpu, insn, insn.o1, size, true);
  const aHi = cpu.hi;
  const f = cpu.rflags;
  const nf =
    op === Op.INC
      ? inc(size, a, aHi, f)
      : op === Op.DEC
        ? dec(size, a, aHi, f)
        : op === Op.NEG
          ? neg(size, a, aHi, f)
          : not(size, a, aHi, f);
  writeOp(cpu, insn, insn.o1, size, aluOut.lo, aluOut.hi, true);
  cpu.rflags = nf;
}

export function registerArith(t: ExecFn[]): void {
  for (const op of [Op.ADD, Op.OR, Op.ADC, Op.SBB, Op.AND, Op.SUB, Op.XOR, Op.CMP, Op.TEST]) {
    t[op] = (cpu, insn) => binary(cpu, insn, op);
  }
  for (const op of [Op.INC, Op.DEC, Op.NEG, Op.NOT]) t[op] = (cpu, insn) => unary(cpu, insn, op);
}
