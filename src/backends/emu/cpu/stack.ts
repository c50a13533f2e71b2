// The stack as PUSH/POP/CALL/RET/ENTER see it: the stack-address size is 8 in 64-bit mode, else SS.B
// (4 or 2); pushes write below RSP and only then commit it, so a faulting push leaves RSP unchanged.
import { SegReg } from '../decode/insn.js';
import type { Cpu } from './cpu.js';

export function stackAddrSize(cpu: Cpu): number {
  return cpu.long64 ? 8 : cpu.stack32 ? 4 : 2;
}

/** The stack pointer at the stack-address size (signed double in 64-bit mode). */
export function getSp(cpu: Cpu): number {
  if (cpu.long64) return cpu.reg64(4);
  return cpu.stack32 ? cpu.regs[8]! : cpu.regs[8]! & 0xffff;
}

export function setSp(cpu: Cpu, v: number): void {
  if (cpu.long64) cpu.setReg64(4, v);
  else if (cpu.stack32) cpu.regs[8] = v >>> 0;
  else cpu.regs[8] = (cpu.regs[8]! & 0xffff0000) | (v & 0xffff);
}

/** sp + delta wrapped to the stack-address size. */
export function spAdd(cpu: Cpu, sp: number, delta: number): number {
  const v = sp + delta;
  if (cpu.long64) return v;
  return cpu.stack32 ? v >>> 0 : v & 0xffff;
}

/** Writes a `size`-byte value at sp - size; returns the new sp (not committed). */
export function pushAt(cpu: Cpu, sp: number, size: number, lo: number, hi: number): number {
  const nsp = spAdd(cpu, sp, -size);
  cpu.writeN(cpu.linear(SegReg.SS, nsp, size, true), size, lo, hi, cpu.needW);
  return nsp;
}

export function push(cpu: Cpu, size: number, lo: number, hi: number): void {
  setSp(cpu, pushAt(cpu, getSp(cpu), size, lo, hi));
}

/** Reads a `size`-byte value at sp (high half in cpu.hi). */
export function readAt(cpu: Cpu, sp: number, size: number): number {
  return cpu.readN(cpu.linear(SegReg.SS, sp, size, false), size, cpu.needR);
}

/** Pops a value (high half in cpu.hi) and commits the stack pointer. */
export function pop(cpu: Cpu, size: number): number {
  const sp = getSp(cpu);
  const lo = readAt(cpu, sp, size);
  const hi = cpu.hi;
  setSp(cpu, spAdd(cpu, sp, size));
  cpu.hi = hi;
  return lo;
}
