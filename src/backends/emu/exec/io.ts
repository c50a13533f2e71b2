// Port I/O: IN OUT (and the port side of INS/OUTS in string.ts). Every access leaves the CPU as a KVM-style
// I/O exit: OUT carries the data and the instruction retires when run() is called again; IN aborts, the VMM
// fills the data, and the next run() re-executes the IN, which then consumes it.
// Protection (SDM vol. 1 §19.5): "if CPL > IOPL (or in virtual-8086 mode) the processor checks the I/O
// permission bit map in the TSS" — a set bit, or a map beyond the TSS limit, is #GP(0).
import { RFLAGS } from '../../../x86/control-regs.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { PendingExit } from '../cpu/mmu.js';
import { setReg } from '../cpu/operands.js';
import { Seg } from '../cpu/state.js';
import { type Insn, Opnd, Reg } from '../decode/insn.js';
import { Op } from '../decode/ops.js';
import { EXIT } from '../signals.js';

export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & 1) === 0) return;
  const iopl = (cpu.rflags >>> 12) & 3;
  if (cpu.cpl <= iopl && (cpu.rflags & RFLAGS.VM) === 0) return;
  const base = cpu.segBase[Seg.TR]!;
  const limit = cpu.segLimit[Seg.TR]!;
  if (limit < 0x67) cpu.raise(Vector.GP, 0);
  const mapOff = cpu.read16(base + 0x66, 1);
  const byte = mapOff + (port >>> 3);
  if (byte + 1 > limit) cpu.raise(Vector.GP, 0);
  const bits = cpu.read16(base + byte, 1);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) cpu.raise(Vector.GP, 0);
}

/** Reads `size` bytes from `port`: the VMM's data on the replay, else an I/O exit. */
export function portIn(cpu: Cpu, port: number, size: number): number {
  if (cpu.replayValid && cpu.replayPort === port) {
    cpu.replayValid = false;
    const d = cpu.replayData;
    return (d[0]! | (size > 1 ? d[1]! << 8 : 0) | (size > 2 ? (d[2]! << 16) | (d[3]! << 24) : 0)) >>> 0;
  }
  cpu.exitKind = PendingExit.IoIn;
  cpu.exitPort = port;
  cpu.exitSize = size;
  cpu.exitData.fill(0);
  throw EXIT;
}

/** Writes `size` bytes to `port`: an I/O exit after the instruction. */
export function portOut(cpu: Cpu, port: number, size: number, value: number): void {
  cpu.exitKind = PendingExit.IoOut;
  cpu.exitPort = port;
  cpu.exitSize = size;
  const d = cpu.exitData;
  d[0] = value & 0xff;
  d[1] = (value >>> 8) & 0xff;
  d[2] = (value >>> 16) & 0xff;
  d[3] = (value >>> 24) & 0xff;
}

function port(cpu: Cpu, kind: number, insn: Insn): number {
  return kind === Opnd.DX ? cpu.regs[4]! & 0xffff : insn.imm & 0xff;
}

function inOp(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const p = port(cpu, insn.o2, insn);
  checkIoPermission(cpu, p, size);
  // --- DEBUG hook: I/O breakpoints (DR7 RW=10 with CR4.DE) ---
  if (cpu.dbg.ioActive) cpu.dbg.ioAccess(p, size);
  const v = portIn(cpu, p, size);
  setReg(cpu, Reg.RAX, size, v, 0, 1);
}

function outOp(cpu: Cpu, insn: Insn): void {
  const size = insn.osize;
  const p = port(cpu, insn.o1, insn);
  checkIoPermission(cpu, p, size);
  if (cpu.dbg.ioActive) cpu.dbg.ioAccess(p, size);
  const r = cpu.regs[0]!;
  portOut(cpu, p, size, size === 1 ? r & 0xff : size === 2 ? r & 0xffff : r);
}

export function registerIo(t: ExecFn[]): void {
  t[Op.IN] = inOp;
  t[Op.OUT] = outOp;
}
