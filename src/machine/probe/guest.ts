// The probe's tiny guests: hand-assembled 32-bit code in flat protected mode, paging off, set up through
// setSregs (no ELF). Bytes verified with `as --32` + `objdump -d`.
//
// Physical layout:  0x0000 IDT (vectors 0..0x1f)   0x0500 boot GDT (pvh-entry.ts)   0x1000 code
//                   0x1100 + 8*v handler of vector v   0x2000 data word   0x3000 stack top
import type { Regs, Sregs, Vcpu } from '../../abi/index.js';
import { CR4 } from '../../x86/control-regs.js';
import { BootSelector, pvhEntryState, withSregs, writeBootGdt } from '../boot/pvh-entry.js';

export const PROBE_RAM_BYTES = 1 << 20;
export const CODE_ADDR = 0x1000;
export const DATA_ADDR = 0x2000;
export const STACK_TOP = 0x3000;
export const IDT_ADDR = 0;
export const HANDLER_BASE = 0x1100;
export const HANDLER_STRIDE = 8;
/** The exception vectors 0..0x1f each get a handler. */
const IDT_VECTORS = 0x20;
const GATE_BYTES = 8;
/** P=1, DPL=0, type 0xE: 32-bit interrupt gate. */
const INTERRUPT_GATE_32 = 0x8e;
/** Every handler reports itself on this port: OUT with al = its vector. */
export const HANDLER_PORT = 0x80;
/** The main code's "I ran instead" port in the inject probes. */
export const MAIN_PORT = 0x81;

/** Code snippets, one instruction per line with its mnemonic (GNU as syntax). */
export const Code = {
  /** nop; nop; hlt */
  nops: [0x90, 0x90, 0xf4],
  /** sti; nop; hlt */
  stiNop: [0xfb, 0x90, 0xf4],
  /** int3; hlt */
  int3: [0xcc, 0xf4],
  /** movl %eax, 0x2000; hlt */
  store: [0xa3, 0x00, 0x20, 0x00, 0x00, 0xf4],
  /** movl 0x2000, %eax; hlt */
  load: [0xa1, 0x00, 0x20, 0x00, 0x00, 0xf4],
  /** outb %al, $0x80; hlt */
  outPost: [0xe6, 0x80, 0xf4],
  /** movl %dr0, %eax; hlt */
  movFromDr0: [0x0f, 0x21, 0xc0, 0xf4],
  /** outb %al, $0x81; hlt */
  outMain: [0xe6, MAIN_PORT, 0xf4],
} as const;

/** Handler of vector v: movb $v, %al (b0 v); outb %al, $0x80 (e6 80); hlt (f4). */
export function handlerBytes(vector: number): number[] {
  return [0xb0, vector, 0xe6, HANDLER_PORT, 0xf4];
}

export function handlerAddr(vector: number): number {
  return HANDLER_BASE + vector * HANDLER_STRIDE;
}

/** Writes the IDT, GDT, handlers and `code` at CODE_ADDR into a zeroed RAM. */
export function writeProbeGuest(ram: Uint8Array, code: readonly number[]): void {
  writeBootGdt(ram);
  const idt = new DataView(ram.buffer, ram.byteOffset + IDT_ADDR, IDT_VECTORS * GATE_BYTES);
  for (let v = 0; v < IDT_VECTORS; v++) {
    const h = handlerAddr(v);
    idt.setUint16(v * GATE_BYTES, h & 0xffff, true);
    idt.setUint16(v * GATE_BYTES + 2, BootSelector.Code32, true);
    idt.setUint8(v * GATE_BYTES + 4, 0);
    idt.setUint8(v * GATE_BYTES + 5, INTERRUPT_GATE_32);
    idt.setUint16(v * GATE_BYTES + 6, h >>> 16, true);
    ram.set(handlerBytes(v), h);
  }
  ram.set(code, CODE_ADDR);
}

export interface ProbeCpuOptions {
  /** CR4.DE (I/O breakpoints need it) */
  debugExtensions?: boolean;
}

/** Flat 32-bit protected mode at CODE_ADDR with the probe IDT and a stack. */
export function setProbeCpu(vcpu: Vcpu, opts: ProbeCpuOptions = {}): void {
  const entry = pvhEntryState(CODE_ADDR, 0);
  const over: Partial<Sregs> = {
    ...entry.sregs,
    idt: { base: BigInt(IDT_ADDR), limit: IDT_VECTORS * GATE_BYTES - 1 },
    cr4: opts.debugExtensions ? BigInt(CR4.DE) : 0n,
  };
  vcpu.setSregs(withSregs(vcpu.getSregs(), over));
  const regs: Regs = { ...entry.regs, rbx: 0n, rsp: BigInt(STACK_TOP) };
  vcpu.setRegs(regs);
}
