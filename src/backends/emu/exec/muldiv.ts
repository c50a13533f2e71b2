// MUL IMUL (one, two and three operands) DIV IDIV. One-operand forms use rAX (and rDX, or AH for bytes):
// "AX <- AL * r/m8", "rDX:rAX <- rAX * r/m"; DIV/IDIV "#DE if the divisor is 0 or the quotient is too
// large for the destination" — raised before any register changes.
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { getReg, readOp, setReg } from '../cpu/operands.js';
import { type Insn, Opnd } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { div, idiv, imul1, imul2, mul } from './alu/muldiv.js';
import { aluOut } from './alu/out.js';

/** Stores a one-operand result: bytes go to AL/AH (AX), wider ones to rAX and rDX. */
function storeWide(cpu: Cpu, size: number): void {
  if (size === 1) {
    cpu.regs[0] = (cpu.regs[0]! & 0xffff0000) | (aluOut.lo & 0xff) | ((aluOut.lo2 & 0xff) << 8);
    return;
  }
  setReg(cpu, 0, size, aluOut.lo, aluOut.hi, 1);
  setReg(cpu, 2, size, aluOut.lo2, aluOut.hi2, 1);
}

function mul1(cpu: Cpu, insn: Insn, signed: boolean): void {
  const size = insn.osize;
  const b = readOp(cpu, insn, insn.o1, size, false);
  const bHi = cpu.hi;
  const a = getReg(cpu, 0, size, 1);
  const aHi = size === 8 ? cpu.hi : 0;
  const nf = (signed ? imul1 : mul)(size, a, aHi, b, bHi, cpu.rflags);
  storeWide(cpu, size);
  cpu.rflags = nf;
}

/** IMUL r, r/m and IMUL r, r/m, imm: the truncated signed product. */
function imulN(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  let a: number;
  let aHi: number;
  let b: number;
  let bHi: number;
  if (insn.o3 !== Opnd.None) {
    a = readOp(cpu, insn, insn.o2, size, false);
    aHi = cpu.hi;
    b = readOp(cpu, insn, insn.o3, size, false);
    bHi = cpu.hi;
  } else {
    a = readOp(cpu, insn, insn.o1, size, false);
    aHi = cpu.hi;
    b = readOp(cpu, insn, insn.o2, size, false);
    bHi = cpu.hi;
  }
  const nf = imul2(size, a, aHi, b, bHi, cpu.rflags);
  setReg(cpu, insn.reg, size, aluOut.lo, aluOut.hi, insn.rex);
  cpu.rflags = nf;
}

function divide(cpu: Cpu, insn: Insn, signed: boolean): void {
  const size = insn.osize;
  const d = readOp(cpu, insn, insn.o1, size, false);
  const dHi = cpu.hi;
  let highLo: number;
  let highHi = 0;
  let lowLo: number;
  let lowHi = 0;
  const r = cpu.regs;
  if (size === 1) {
    highLo = (r[0]! >>> 8) & 0xff;
    lowLo = r[0]! & 0xff;
  } else if (size === 8) {
    highLo = r[4]!;
    highHi = r[5]!;
    lowLo = r[0]!;
    lowHi = r[1]!;
  } else {
    highLo = getReg(cpu, 2, size, 1);
    lowLo = getReg(cpu, 0, size, 1);
  }
  const nf = (signed ? idiv : div)(size, highLo, highHi, lowLo, lowHi, d, dHi, cpu.rflags);
  if (nf === -1) cpu.raise(Vector.DE);
  storeWide(cpu, size);
  cpu.rflags = nf;
}

export function registerMulDiv(t: ExecFn[]): void {
  t[Op.MUL] = (cpu, insn) => mul1(cpu, insn, false);
  t[Op.IMUL1] = (cpu, insn) => mul1(cpu, insn, true);
  t[Op.IMUL2] = imulN;
  t[Op.IMUL3] = imulN;
  t[Op.DIV] = (cpu, insn) => divide(cpu, insn, false);
  t[Op.IDIV] = (cpu, insn) => divide(cpu, insn, true);
}
