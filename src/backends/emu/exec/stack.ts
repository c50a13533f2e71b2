// Stack instructions: PUSH POP PUSHF POPF PUSHA POPA ENTER LEAVE. The operand size is insn.osize (64 by
// default in 64-bit mode); the stack-address size comes from the mode and SS.B (cpu/stack.ts).
import { RFLAGS } from '../../../x86/control-regs.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { getReg, readOp, setReg, writeOp } from '../cpu/operands.js';
import { loadDataSeg } from '../cpu/segments.js';
import { getSp, pop, push, pushAt, readAt, setSp, spAdd } from '../cpu/stack.js';
import { type Insn, Opnd, SegReg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

function pushOp(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  let lo: number;
  let hi = 0;
  if (insn.o1 === Opnd.SReg) lo = cpu.segSel[insn.reg]!;
  else {
    lo = readOp(cpu, insn, insn.o1, size, false);
    hi = cpu.hi;
  }
  push(cpu, size, lo, hi);
}

/** POP: "If the ESP register is used as a base register for addressing a destination operand in memory,
 *  the POP instruction computes the effective address of the operand after it increments the ESP register." */
function popOp(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const sp = getSp(cpu);
  const lo = readAt(cpu, sp, size);
  const hi = cpu.hi;
  if (insn.o1 === Opnd.SReg) {
    loadDataSeg(cpu, insn.reg, lo & 0xffff);
    setSp(cpu, spAdd(cpu, sp, size));
    // "Loading the SS register with a POP SS instruction inhibits interrupts ... until after the next instruction."
    if (insn.reg === SegReg.SS) cpu.shadow = 1;
    return;
  }
  setSp(cpu, spAdd(cpu, sp, size));
  try {
    writeOp(cpu, insn, insn.o1, size, lo, hi, false);
  } catch (e) {
    setSp(cpu, sp);
    throw e;
  }
}

/** PUSHF: "the VM and RF flags are not copied; instead, the values for these flags are cleared". */
function pushf(cpu: Cpu, insn: Insn): void {
  const f = cpu.rflags & ~(RFLAGS.VM | RFLAGS.RF);
  push(cpu, insn.osize, insn.osize === 2 ? f & 0xffff : f, 0);
}

/** Flags POPF may ever change (CF PF AF ZF SF TF IF DF OF IOPL NT AC ID). */
const POPF_MASK = 0x247fd5;

/** POPF: at CPL 0 all non-reserved flags but RF/VIP/VIF/VM; IOPL only at CPL 0; IF only when CPL <= IOPL.
 *  "RF is cleared". A 16-bit POPF changes only the low 16 bits. */
function popf(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const v = pop(cpu, size);
  let mask = POPF_MASK;
  if ((cpu.cr0 & 1) !== 0) {
    const iopl = (cpu.rflags >>> 12) & 3;
    if (cpu.cpl > 0) mask &= ~RFLAGS.IOPL;
    if (cpu.cpl > iopl) mask &= ~RFLAGS.IF;
  }
  if (size === 2) mask &= 0xffff;
  cpu.rflags = ((cpu.rflags & ~mask & ~RFLAGS.RF) | (v & mask) | 2) >>> 0;
}

/** PUSHA/PUSHAD: AX CX DX BX (original) SP BP SI DI. */
function pusha(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const oldSp = getReg(cpu, 4, size, 1);
  let sp = getSp(cpu);
  for (let r = 0; r < 8; r++) sp = pushAt(cpu, sp, size, r === 4 ? oldSp : getReg(cpu, r, size, 1), 0);
  setSp(cpu, sp);
}

/** POPA/POPAD: DI SI BP (SP skipped) BX DX CX AX. */
function popa(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  let sp = getSp(cpu);
  const vals = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 7; r >= 0; r--) {
    vals[r] = readAt(cpu, sp, size);
    sp = spAdd(cpu, sp, size);
  }
  for (let r = 0; r < 8; r++) if (r !== 4) setReg(cpu, r, size, vals[r]!, 0, 1);
  setSp(cpu, sp);
}

/** ENTER size, level: push rBP, copy level-1 outer frame pointers, push the frame pointer, reserve size. */
function enter(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const alloc = insn.imm & 0xffff;
  const level = insn.imm2 & 31;
  let sp = getSp(cpu);
  const bp = getReg(cpu, 5, size, 1);
  const bpHi = cpu.hi;
  sp = pushAt(cpu, sp, size, bp, bpHi);
  const frame = sp;
  if (level > 0) {
    let fp = size === 8 ? cpu.reg64(5) : bp;
    for (let i = 1; i < level; i++) {
      fp = spAdd(cpu, fp, -size);
      const v = readAt(cpu, fp, size);
      sp = pushAt(cpu, sp, size, v, cpu.hi);
    }
    sp = pushAt(cpu, sp, size, frame >>> 0, size === 8 ? Math.floor(frame / 4294967296) >>> 0 : 0);
  }
  const nsp = spAdd(cpu, sp, -alloc);
  // "#SS(0) if the new value of the stack pointer is outside the stack segment limit" (probe it).
  readAt(cpu, nsp, 1);
  if (size === 8) cpu.setReg64(5, frame);
  else setReg(cpu, 5, size, frame, 0, 1);
  setSp(cpu, nsp);
}

/** LEAVE: rSP = rBP, then pop rBP. */
function leave(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const bp = cpu.long64 ? cpu.reg64(5) : cpu.stack32 ? cpu.regs[10]! : cpu.regs[10]! & 0xffff;
  const v = readAt(cpu, bp, size);
  const hi = cpu.hi;
  setSp(cpu, spAdd(cpu, bp, size));
  setReg(cpu, 5, size, v, hi, 1);
}

export function registerStack(t: ExecFn[]): void {
  t[Op.PUSH] = pushOp;
  t[Op.POP] = popOp;
  t[Op.PUSHF] = pushf;
  t[Op.POPF] = popf;
  t[Op.PUSHA] = pusha;
  t[Op.POPA] = popa;
  t[Op.ENTER] = enter;
  t[Op.LEAVE] = leave;
}
