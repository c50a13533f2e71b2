// The API boundary: struct kvm_regs / kvm_sregs / kvm_fpu as bigints <-> the CPU's numbers and typed arrays.
// The only place BigInt meets the CPU state.
import type { DescriptorTable, Fpu, Regs, Segment, Sregs } from '../../abi/index.js';
import { CR0, EFER } from '../../x86/control-regs.js';
import { Attr, packAttr } from '../../x86/descriptors.js';
import type { Cpu } from './cpu/cpu.js';
import { Seg } from './cpu/state.js';

const GPR_ORDER = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'] as const;

function u64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/** A 64-bit address register value as the CPU keeps it: a signed double. */
export function addrFromBig(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function regName(i: number): keyof Regs {
  return i < 8 ? GPR_ORDER[i]! : (`r${i}` as keyof Regs);
}

export function getRegs(cpu: Cpu): Regs {
  const r = {} as Regs;
  for (let i = 0; i < 16; i++) {
    r[regName(i)] = (BigInt(cpu.regs[2 * i + 1]!) << 32n) | BigInt(cpu.regs[2 * i]!);
  }
  r.rip = u64(cpu.rip);
  r.rflags = BigInt(cpu.rflags >>> 0);
  return r;
}

export function setRegs(cpu: Cpu, r: Regs): void {
  for (let i = 0; i < 16; i++) {
    const v = BigInt.asUintN(64, r[regName(i)]);
    cpu.regs[2 * i] = Number(v & 0xffffffffn);
    cpu.regs[2 * i + 1] = Number(v >> 32n);
  }
  cpu.rip = addrFromBig(r.rip);
  // Bit 1 of RFLAGS always reads 1.
  cpu.rflags = (Number(BigInt.asUintN(32, r.rflags)) | 2) >>> 0;
  cpu.deferredRip = Number.NaN;
  cpu.resumed = false;
  cpu.replayValid = false;
  cpu.mmioLogN = 0;
  cpu.updateMode();
}

function getSeg(cpu: Cpu, i: number): Segment {
  const a = cpu.segAttr[i]!;
  return {
    base: u64(cpu.segBase[i]!),
    limit: cpu.segLimit[i]! >>> 0,
    selector: cpu.segSel[i]!,
    type: a & Attr.TypeMask,
    present: (a & Attr.P) !== 0 ? 1 : 0,
    dpl: (a >>> Attr.DplShift) & 3,
    db: (a & Attr.DB) !== 0 ? 1 : 0,
    s: (a & Attr.S) !== 0 ? 1 : 0,
    l: (a & Attr.L) !== 0 ? 1 : 0,
    g: (a & Attr.G) !== 0 ? 1 : 0,
    avl: (a & Attr.AVL) !== 0 ? 1 : 0,
    unusable: (a & Attr.Unusable) !== 0 ? 1 : 0,
  };
}

function setSeg(cpu: Cpu, i: number, s: Segment): void {
  cpu.segSel[i] = s.selector & 0xffff;
  cpu.segBase[i] = addrFromBig(s.base);
  cpu.segLimit[i] = s.limit >>> 0;
  cpu.segAttr[i] = packAttr(s) | (s.unusable ? Attr.Unusable : 0);
}

function dt(base: number, limit: number): DescriptorTable {
  return { base: u64(base), limit };
}

export function getSregs(cpu: Cpu): Sregs {
  return {
    cs: getSeg(cpu, Seg.CS),
    ds: getSeg(cpu, Seg.DS),
    es: getSeg(cpu, Seg.ES),
    fs: getSeg(cpu, Seg.FS),
    gs: getSeg(cpu, Seg.GS),
    ss: getSeg(cpu, Seg.SS),
    tr: getSeg(cpu, Seg.TR),
    ldt: getSeg(cpu, Seg.LDTR),
    gdt: dt(cpu.gdtBase, cpu.gdtLimit),
    idt: dt(cpu.idtBase, cpu.idtLimit),
    cr0: BigInt(cpu.cr0 >>> 0),
    cr2: u64(cpu.cr2),
    cr3: u64(cpu.cr3),
    cr4: BigInt(cpu.cr4 >>> 0),
    cr8: BigInt(cpu.cr8),
    efer: BigInt(cpu.efer >>> 0),
    apicBase: u64(cpu.apicBase),
  };
}

export function setSregs(cpu: Cpu, s: Sregs): void {
  setSeg(cpu, Seg.CS, s.cs);
  setSeg(cpu, Seg.DS, s.ds);
  setSeg(cpu, Seg.ES, s.es);
  setSeg(cpu, Seg.FS, s.fs);
  setSeg(cpu, Seg.GS, s.gs);
  setSeg(cpu, Seg.SS, s.ss);
  setSeg(cpu, Seg.TR, s.tr);
  setSeg(cpu, Seg.LDTR, s.ldt);
  cpu.gdtBase = addrFromBig(s.gdt.base);
  cpu.gdtLimit = s.gdt.limit & 0xffff;
  cpu.idtBase = addrFromBig(s.idt.base);
  cpu.idtLimit = s.idt.limit & 0xffff;
  // CR0.ET is hard-wired to 1 on every processor since the 486.
  cpu.cr0 = (Number(BigInt.asUintN(32, s.cr0)) | CR0.ET) >>> 0;
  cpu.cr2 = addrFromBig(s.cr2);
  cpu.cr3 = Number(BigInt.asUintN(52, s.cr3));
  cpu.cr4 = Number(BigInt.asUintN(32, s.cr4)) >>> 0;
  cpu.cr8 = Number(s.cr8 & 0xfn);
  cpu.efer = Number(BigInt.asUintN(32, s.efer)) & (EFER.SCE | EFER.LME | EFER.LMA | EFER.NXE);
  cpu.apicBase = Number(BigInt.asUintN(52, s.apicBase));
  // "CPL = SS.DPL" as VMX keeps it; real mode is CPL 0.
  cpu.cpl = (cpu.cr0 & CR0.PE) !== 0 ? s.ss.dpl & 3 : 0;
  cpu.flushTlb(true);
  cpu.updateMode();
}

export function getFpu(cpu: Cpu): Fpu {
  const fpr: Uint8Array[] = [];
  for (let i = 0; i < 8; i++) fpr.push(cpu.fpr.slice(i * 16, i * 16 + 16));
  const xmm: Uint8Array[] = [];
  for (let i = 0; i < 16; i++) xmm.push(cpu.xmm.slice(i * 16, i * 16 + 16));
  return {
    fpr,
    fcw: cpu.fcw,
    fsw: cpu.fsw,
    ftwx: cpu.ftw,
    lastOpcode: cpu.fop,
    lastIp: u64(cpu.fip),
    lastDp: u64(cpu.fdp),
    xmm,
    mxcsr: cpu.mxcsr,
  };
}

export function setFpu(cpu: Cpu, f: Fpu): void {
  for (let i = 0; i < 8; i++) cpu.fpr.set((f.fpr[i] ?? new Uint8Array(16)).subarray(0, 16), i * 16);
  for (let i = 0; i < 16; i++) cpu.xmm.set((f.xmm[i] ?? new Uint8Array(16)).subarray(0, 16), i * 16);
  cpu.fcw = f.fcw & 0xffff;
  cpu.fsw = f.fsw & 0xffff;
  cpu.ftw = f.ftwx & 0xff;
  cpu.fop = f.lastOpcode & 0x7ff;
  cpu.fip = addrFromBig(f.lastIp);
  cpu.fdp = addrFromBig(f.lastDp);
  cpu.mxcsr = f.mxcsr >>> 0;
}
