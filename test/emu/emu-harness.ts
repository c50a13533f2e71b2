// Test harness for the emu CPU: assembles snippets with GNU as at test time and runs them on an emu vCPU
// through the public API, in long mode (identity-mapped first GiB, 2 MiB pages), 32-bit protected mode or
// real mode. Each mode gets an IDT whose vector-v stub is `hlt` at HANDLERS + 16*v, so a test learns which
// exception was delivered from rip after the HLT exit (and reads the error code from the stack).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Exit,
  ExitReason,
  type Hypervisor,
  openHypervisor,
  REG_NAMES,
  type Regs,
  type Segment,
  type Sregs,
  type Vcpu,
  type Vm,
} from '../../src/index.js';

export const CODE = 0x10000;
export const STACK_TOP = 0x80000;
export const DATA = 0x90000;
export const PML4 = 0x1000;
export const GDT = 0x5000;
export const IDT = 0x6000;
export const HANDLERS = 0x7000;
export const TSS = 0x8000;
export const RAM_SIZE = 4 << 20;

/** Assembles `src` (AT&T syntax) for `bits` and returns the flat binary (linked at `org`). */
export function assemble(src: string, bits: 16 | 32 | 64 = 64, org = CODE): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'emu-as-'));
  try {
    const s = join(dir, 'a.s');
    writeFileSync(s, `.code${bits}\n${src}\n`);
    execFileSync('as', ['--64', '-o', join(dir, 'a.o'), s]);
    execFileSync('ld', [
      '-m',
      'elf_x86_64',
      '-Ttext',
      `0x${org.toString(16)}`,
      '-e',
      '0',
      '-o',
      join(dir, 'a.elf'),
      join(dir, 'a.o'),
    ]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.elf'), join(dir, 'a.bin')]);
    return new Uint8Array(readFileSync(join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function zeroRegs(): Regs {
  const r = {} as Regs;
  for (const k of REG_NAMES) r[k] = 0n;
  r.rflags = 2n;
  return r;
}

function seg(selector: number, type: number, extra: Partial<Segment> = {}): Segment {
  return {
    base: 0n,
    limit: 0xffffffff,
    selector,
    type,
    present: 1,
    dpl: 0,
    db: 0,
    s: 1,
    l: 0,
    g: 1,
    avl: 0,
    unusable: 0,
    ...extra,
  };
}

export interface Guest {
  hv: Hypervisor;
  vm: Vm;
  vcpu: Vcpu;
  ram: Uint8Array;
  view: DataView;
}

/** GDT: 0 null, 0x08 code64, 0x10 data, 0x18 code32, 0x20 code64 DPL3 (0x23), 0x28 data DPL3 (0x2b), 0x30 TSS (16 bytes). */
function writeGdt(view: DataView): void {
  const d = [
    0n,
    0x00af9b000000ffffn,
    0x00cf93000000ffffn,
    0x00cf9b000000ffffn,
    0x00affb000000ffffn,
    0x00cff3000000ffffn,
  ];
  d.forEach((v, i) => {
    view.setBigUint64(GDT + i * 8, v, true);
  });
  // 64-bit TSS at TSS, limit 0x67, type 0xb (busy), present.
  const lo = 0x67n | (BigInt(TSS & 0xffffff) << 16n) | (0x8bn << 40n);
  view.setBigUint64(GDT + 0x30, lo, true);
  view.setBigUint64(GDT + 0x38, 0n, true);
}

/** IDT for long mode: 256 interrupt gates to HANDLERS + 16*v (each `hlt; jmp .-1`... simply hlt). */
function writeIdt64(view: DataView, ram: Uint8Array): void {
  for (let v = 0; v < 256; v++) {
    const h = HANDLERS + v * 16;
    ram[h] = 0xf4; // hlt
    const at = IDT + v * 16;
    view.setUint16(at, h & 0xffff, true);
    view.setUint16(at + 2, 0x08, true);
    view.setUint8(at + 4, 0);
    view.setUint8(at + 5, 0xee); // present, DPL 3, 64-bit interrupt gate
    view.setUint16(at + 6, (h >>> 16) & 0xffff, true);
    view.setUint32(at + 8, 0, true);
    view.setUint32(at + 12, 0, true);
  }
}

function newGuest(ramSize = RAM_SIZE): Guest {
  const hv = openHypervisor({ backend: 'emu' });
  const vm = hv.createVm();
  const ram = vm.addMemory({ guestPhysAddr: 0n, size: ramSize });
  const vcpu = vm.createVcpu(0);
  return { hv, vm, vcpu, ram, view: new DataView(ram.buffer, ram.byteOffset, ram.byteLength) };
}

/** A vCPU in 64-bit mode at CPL 0 with `code` at CODE, rsp = STACK_TOP, identity paging for the first GiB
 *  (RAM_SIZE bytes of RAM at guest-physical 0 unless `ramSize` says otherwise). */
export function longModeGuest(code: Uint8Array, ramSize = RAM_SIZE): Guest {
  const g = newGuest(ramSize);
  const { view, ram } = g;
  // PML4[0] -> PDPT at 0x2000; PDPT[0] -> PD at 0x3000; PD: 512 x 2 MiB pages, R/W, U/S.
  view.setBigUint64(PML4, 0x2000n | 7n, true);
  view.setBigUint64(0x2000, 0x3000n | 7n, true);
  for (let i = 0; i < 512; i++) view.setBigUint64(0x3000 + i * 8, (BigInt(i) << 21n) | 0x87n, true);
  writeGdt(view);
  writeIdt64(view, ram);
  // TSS.RSP0 = STACK_TOP - 0x8000 (kernel stack for CPL3 -> 0 transitions).
  view.setBigUint64(TSS + 4, BigInt(STACK_TOP - 0x8000), true);
  ram.set(code, CODE);
  const s = g.vcpu.getSregs();
  const sregs: Sregs = {
    ...s,
    cs: seg(0x08, 0xb, { l: 1 }),
    ds: seg(0x10, 0x3, { db: 1 }),
    es: seg(0x10, 0x3, { db: 1 }),
    fs: seg(0x10, 0x3, { db: 1 }),
    gs: seg(0x10, 0x3, { db: 1 }),
    ss: seg(0x10, 0x3, { db: 1 }),
    tr: { ...seg(0x30, 0xb, { s: 0, g: 0 }), base: BigInt(TSS), limit: 0x67 },
    ldt: { ...seg(0, 2, { s: 0, g: 0 }), unusable: 1, present: 0 },
    gdt: { base: BigInt(GDT), limit: 0x3f },
    idt: { base: BigInt(IDT), limit: 256 * 16 - 1 },
    cr0: 0x80050033n,
    cr3: BigInt(PML4),
    cr4: 0x20n,
    efer: 0x500n,
  };
  g.vcpu.setSregs(sregs);
  const r = zeroRegs();
  r.rip = BigInt(CODE);
  r.rsp = BigInt(STACK_TOP);
  g.vcpu.setRegs(r);
  return g;
}

/** A vCPU in flat 32-bit protected mode (paging off) with `code` at CODE. No IDT. */
export function prot32Guest(code: Uint8Array): Guest {
  const g = newGuest();
  writeGdt(g.view);
  g.ram.set(code, CODE);
  const s = g.vcpu.getSregs();
  g.vcpu.setSregs({
    ...s,
    cs: seg(0x18, 0xb, { db: 1 }),
    ds: seg(0x10, 0x3, { db: 1 }),
    es: seg(0x10, 0x3, { db: 1 }),
    fs: seg(0x10, 0x3, { db: 1 }),
    gs: seg(0x10, 0x3, { db: 1 }),
    ss: seg(0x10, 0x3, { db: 1 }),
    gdt: { base: BigInt(GDT), limit: 0x3f },
    idt: { base: 0n, limit: 0 },
    cr0: 0x11n,
    cr3: 0n,
    cr4: 0n,
    efer: 0n,
  });
  const r = zeroRegs();
  r.rip = BigInt(CODE);
  r.rsp = BigInt(STACK_TOP);
  g.vcpu.setRegs(r);
  return g;
}

/** A vCPU in real mode: CS = DS = SS = 0x1000 (code at linear CODE = 0x10000, ip 0), sp 0xfff0. */
/** A real-mode segment register: base = selector * 16, 64 KiB limit. */
export function realSeg(sel: number, type: number): Segment {
  return { ...seg(sel, type, { g: 0 }), base: BigInt(sel * 16), limit: 0xffff };
}

export function realModeGuest(code: Uint8Array): Guest {
  const g = newGuest();
  g.ram.set(code, CODE);
  const s = g.vcpu.getSregs();
  g.vcpu.setSregs({
    ...s,
    cs: realSeg(0x1000, 0xb),
    ds: realSeg(0x1000, 3),
    es: realSeg(0x1000, 3),
    ss: realSeg(0x1000, 3),
    fs: realSeg(0, 3),
    gs: realSeg(0, 3),
    idt: { base: 0n, limit: 0x3ff },
    cr0: 0x10n,
    efer: 0n,
    cr4: 0n,
  });
  const r = zeroRegs();
  r.rip = 0n;
  r.rsp = 0xfff0n;
  g.vcpu.setRegs(r);
  return g;
}

/** Runs until HLT (answering IN with `inValue`, collecting OUT bytes); throws on any other exit. */
export function runToHlt(
  g: Guest,
  inValue = 0,
  maxExits = 10000,
): { exit: Exit; out: { port: number; value: number }[] } {
  const out: { port: number; value: number }[] = [];
  for (let i = 0; i < maxExits; i++) {
    const exit = g.vcpu.run();
    if (exit.reason === ExitReason.Hlt) return { exit, out };
    if (exit.reason === ExitReason.Io) {
      const io = exit.io;
      if (io.direction === 1) {
        let v = 0;
        for (let k = io.data.length - 1; k >= 0; k--) v = v * 256 + io.data[k]!;
        out.push({ port: io.port, value: v });
      } else {
        for (let k = 0; k < io.data.length; k++) io.data[k] = (inValue >>> (8 * k)) & 0xff;
      }
      continue;
    }
    throw new Error(
      `unexpected exit ${JSON.stringify(exit, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`,
    );
  }
  throw new Error('no HLT');
}

/** Which IDT stub halted: the vector, or -1 when the HLT was the snippet's own. */
export function haltedVector(g: Guest): number {
  const rip = Number(g.vcpu.getRegs().rip) - 1;
  if (rip >= HANDLERS && rip < HANDLERS + 256 * 16 && (rip - HANDLERS) % 16 === 0) return (rip - HANDLERS) / 16;
  return -1;
}

/** Runs a 64-bit snippet (ending in hlt) and returns the registers. */
export function run64(src: string, setup?: (g: Guest) => void): { regs: Regs; g: Guest } {
  const g = longModeGuest(assemble(src, 64));
  setup?.(g);
  runToHlt(g);
  return { regs: g.vcpu.getRegs(), g };
}

export const hex = (v: bigint | number): string => `0x${v.toString(16)}`;
