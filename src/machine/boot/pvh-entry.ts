// The PVH entry state (Xen docs/misc/pvh.pandoc, "Entry point"): 32-bit protected mode, paging off,
// CS flat 32-bit code, DS/ES/SS/FS/GS flat data, TR a valid 32-bit busy TSS, CR0 = PE|ET, CR4 = 0,
// EFER = 0, EFLAGS = 0x2, ebx = physical address of hvm_start_info, eip = the PVH entry, other GPRs 0.
import type { Regs, Segment, Sregs } from '../../abi/index.js';
import { CR0, RFLAGS } from '../../x86/control-regs.js';
import { BOOT_GDT_ADDR } from './low-memory.js';

/** Selectors of the boot GDT (the spec leaves their values open; these follow Linux/Firecracker). */
export const BootSelector = { Code32: 0x08, Data: 0x10, Tss: 0x18 } as const;
/** Descriptor types: code exec/read accessed, data read/write accessed, 32-bit TSS busy. */
const SegType = { Code: 0xb, Data: 0x3, Tss32Busy: 0xb } as const;
const FLAT_LIMIT = 0xffffffff;
/** A 32-bit TSS is 104 bytes: limit 0x67. */
const TSS32_LIMIT = 0x67;

/** The boot GDT as raw descriptors (null, code32, data, tss32 busy), mirroring the hidden state below. */
const BOOT_GDT = [0n, 0x00cf9b000000ffffn, 0x00cf93000000ffffn, 0x00008b0000000067n] as const;

/** Writes the boot GDT so a guest that reloads a segment register before its own lgdt gets the same flat segments. */
export function writeBootGdt(ram: Uint8Array): void {
  const view = new DataView(ram.buffer, ram.byteOffset + BOOT_GDT_ADDR, BOOT_GDT.length * 8);
  BOOT_GDT.forEach((d, i) => {
    view.setBigUint64(i * 8, d, true);
  });
}

function flat(selector: number, type: number): Segment {
  return {
    base: 0n,
    limit: FLAT_LIMIT,
    selector,
    type,
    present: 1,
    dpl: 0,
    db: 1,
    s: 1,
    l: 0,
    g: 1,
    avl: 0,
    unusable: 0,
  };
}

export interface EntryState {
  regs: Regs;
  /** Only the fields the PVH spec fixes; apply over the vCPU's own sregs (keeps e.g. apicBase). */
  sregs: Partial<Sregs>;
}

export function pvhEntryState(entry: number, startInfoAddr: number): EntryState {
  const regs: Regs = {
    rax: 0n,
    rbx: BigInt(startInfoAddr),
    rcx: 0n,
    rdx: 0n,
    rsi: 0n,
    rdi: 0n,
    rsp: 0n,
    rbp: 0n,
    r8: 0n,
    r9: 0n,
    r10: 0n,
    r11: 0n,
    r12: 0n,
    r13: 0n,
    r14: 0n,
    r15: 0n,
    rip: BigInt(entry),
    rflags: BigInt(RFLAGS.FIXED1),
  };
  const data = flat(BootSelector.Data, SegType.Data);
  const sregs: Partial<Sregs> = {
    cs: flat(BootSelector.Code32, SegType.Code),
    ds: data,
    es: { ...data },
    fs: { ...data },
    gs: { ...data },
    ss: { ...data },
    tr: {
      base: 0n,
      limit: TSS32_LIMIT,
      selector: BootSelector.Tss,
      type: SegType.Tss32Busy,
      present: 1,
      dpl: 0,
      db: 0,
      s: 0,
      l: 0,
      g: 0,
      avl: 0,
      unusable: 0,
    },
    gdt: { base: BigInt(BOOT_GDT_ADDR), limit: BOOT_GDT.length * 8 - 1 },
    idt: { base: 0n, limit: 0 },
    cr0: BigInt(CR0.PE | CR0.ET),
    cr2: 0n,
    cr3: 0n,
    cr4: 0n,
    efer: 0n,
  };
  return { regs, sregs };
}

/** Applies an entry state to a vCPU's current sregs. */
export function withSregs(base: Sregs, over: Partial<Sregs>): Sregs {
  return { ...base, ...over };
}
