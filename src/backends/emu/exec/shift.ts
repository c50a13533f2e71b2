// Shifts and rotates: ROL ROR RCL RCR SHL SHR SAR (count from 1, CL or imm8) and SHLD SHRD (flag rules in
// alu-shift.ts). A memory destination is written even when the masked count is 0 (no change, no fault skip).

import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { readOp, writeOp } from '../cpu/operands.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { aluOut } from './alu/out.js';
import { shift, shld, shrd } from './alu/shift.js';

function grp2(cpu: Cpu, insn: Insn, op: number): void {
  const size = insn.osize;
  const lo = readOp(cpu, insn, insn.o1, size, true);
  const hi = cpu.hi;
  const count = readOp(cpu, insn, insn.o2, 1, false) & 0xff;
  const nf = shift(op, size, lo, hi, count, cpu.rflags);
  writeOp(cpu, insn, insn.o1, size, aluOut.lo, aluOut.hi, true);
  cpu.rflags = nf;
}

function double(cpu: Cpu, insn: Insn, left: boolean): void {
  const size = insn.osize;
  const dLo = readOp(cpu, insn, insn.o1, size, true);
  const dHi = cpu.hi;
  const sLo = readOp(cpu, insn, insn.o2, size, false);
  const sHi = cpu.hi;
  const count = readOp(cpu, insn, insn.o3, 1, false) & 0xff;
  const nf = (left ? shld : shrd)(size, dLo, dHi, sLo, sHi, count, cpu.rflags);
  writeOp(cpu, insn, insn.o1, size, aluOut.lo, aluOut.hi, true);
  cpu.rflags = nf;
}

export function registerShift(t: ExecFn[]): void {
  for (const op of [Op.ROL, Op.ROR, Op.RCL, Op.RCR, Op.SHL, Op.SHR, Op.SAR]) t[op] = (cpu, insn) => grp2(cpu, insn, op);
  t[Op.SHLD] = (cpu, insn) => double(cpu, insn, true);
  t[Op.SHRD] = (cpu, insn) => double(cpu, insn, false);
}
