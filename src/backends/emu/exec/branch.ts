// Near control transfer: CALL JMP RET Jcc SETcc CMOVcc LOOP/LOOPE/LOOPNE JrCXZ. "If the target is not
// canonical (64-bit mode) or beyond the CS limit, #GP(0)" — checked before anything is pushed or changed.

import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import { condition } from '../cpu/cond.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { readOp, setReg, writeOp } from '../cpu/operands.js';
import { getSp, pushAt, readAt, setSp, spAdd } from '../cpu/stack.js';
import { Seg } from '../cpu/state.js';
import { type Insn, Opnd } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;

/** A new rip checked for the current mode: canonical in 64-bit mode, else within the CS limit. */
export function checkTarget(cpu: Cpu, target: number): number {
  if (cpu.long64) {
    if (target < -CANONICAL_BOUND || target >= CANONICAL_BOUND) cpu.raise(Vector.GP, 0);
  } else if (target > cpu.segLimit[Seg.CS]!) cpu.raise(Vector.GP, 0);
  return target;
}

/** nextRip + rel at the operand size. */
function relTarget(cpu: Cpu, insn: Insn): number {
  const t = cpu.nextRip + insn.imm;
  if (insn.osize === 8) return t;
  return insn.osize === 4 ? t >>> 0 : t & 0xffff;
}

/** The target of JMP/CALL r/m: the operand as a rip value. */
function indirectTarget(cpu: Cpu, insn: Insn): number {
  const size = insn.osize;
  const lo = readOp(cpu, insn, insn.o1, size, false);
  if (size === 8) return (cpu.hi | 0) * TWO32 + lo;
  return lo;
}

function jmp(cpu: Cpu, insn: Insn): void {
  cpu.nextRip = checkTarget(cpu, insn.o1 === Opnd.Rel ? relTarget(cpu, insn) : indirectTarget(cpu, insn));
}

function call(cpu: Cpu, insn: Insn): void {
  const target = checkTarget(cpu, insn.o1 === Opnd.Rel ? relTarget(cpu, insn) : indirectTarget(cpu, insn));
  const size = insn.osize;
  const ret = cpu.nextRip;
  setSp(cpu, pushAt(cpu, getSp(cpu), size, ret >>> 0, size === 8 ? Math.floor(ret / TWO32) >>> 0 : 0));
  cpu.nextRip = target;
}

/** RET [imm16]: pop the return address, then "release imm16 bytes of parameters". */
function ret(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const sp = getSp(cpu);
  const lo = readAt(cpu, sp, size);
  const target = checkTarget(cpu, size === 8 ? (cpu.hi | 0) * TWO32 + lo : lo);
  setSp(cpu, spAdd(cpu, sp, size + (insn.o1 === Opnd.I ? insn.imm & 0xffff : 0)));
  cpu.nextRip = target;
}

function jcc(cpu: Cpu, insn: Insn): void {
  if (condition(cpu.rflags, insn.opcode & 0xf)) cpu.nextRip = checkTarget(cpu, relTarget(cpu, insn));
}

function setcc(cpu: Cpu, insn: Insn): void {
  writeOp(cpu, insn, insn.o1, 1, condition(cpu.rflags, insn.opcode & 0xf) ? 1 : 0, 0, false);
}

/** CMOVcc: the source is read (and may fault) either way; a 32-bit destination is zero-extended even when
 *  the condition is false. */
function cmovcc(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const lo = readOp(cpu, insn, insn.o2, size, false);
  const hi = cpu.hi;
  if (condition(cpu.rflags, insn.opcode & 0xf)) setReg(cpu, insn.reg, size, lo, hi, insn.rex);
  else if (size === 4) cpu.regs[2 * insn.reg + 1] = 0;
}

/** rCX at the address size, decremented (no flags). Returns the new count. */
function decCount(cpu: Cpu, insn: Insn): boolean {
  const r = cpu.regs;
  if (insn.asize === 8) {
    const lo = (r[2]! - 1) >>> 0;
    if (lo === 0xffffffff) r[3] = (r[3]! - 1) >>> 0;
    r[2] = lo;
    return (lo | r[3]!) !== 0;
  }
  if (insn.asize === 4) {
    r[2] = (r[2]! - 1) >>> 0;
    return r[2] !== 0;
  }
  const cx = (r[2]! - 1) & 0xffff;
  r[2] = (r[2]! & 0xffff0000) | cx;
  return cx !== 0;
}

function loop(cpu: Cpu, insn: Insn, op: number): void {
  const target = relTarget(cpu, insn);
  const nz = decCount(cpu, insn);
  const zf = (cpu.rflags & 0x40) !== 0;
  const take = op === Op.LOOP ? nz : op === Op.LOOPE ? nz && zf : nz && !zf;
  if (take) cpu.nextRip = checkTarget(cpu, target);
}

function jrcxz(cpu: Cpu, insn: Insn): void {
  const r = cpu.regs;
  const zero = insn.asize === 8 ? (r[2]! | r[3]!) === 0 : insn.asize === 4 ? r[2] === 0 : (r[2]! & 0xffff) === 0;
  if (zero) cpu.nextRip = checkTarget(cpu, relTarget(cpu, insn));
}

export function registerBranch(t: ExecFn[]): void {
  t[Op.JMP] = jmp;
  t[Op.CALL] = call;
  t[Op.RET] = ret;
  t[Op.JCC] = jcc;
  t[Op.SETCC] = setcc;
  t[Op.CMOVCC] = cmovcc;
  t[Op.LOOP] = (cpu, insn) => loop(cpu, insn, Op.LOOP);
  t[Op.LOOPE] = (cpu, insn) => loop(cpu, insn, Op.LOOPE);
  t[Op.LOOPNE] = (cpu, insn) => loop(cpu, insn, Op.LOOPNE);
  t[Op.JRCXZ] = jrcxz;
}
