// Descriptor-table registers: LGDT LIDT SGDT SIDT LLDT SLDT LTR STR (SDM vol. 2). Loads need CPL 0; in
// 64-bit mode the pseudo-descriptor is 2+8 bytes and LDT/TSS descriptors are 16 bytes; LTR marks the TSS busy.

import { CR4 } from '../../../x86/control-regs.js';
import { Attr, SysType, systemBase64 } from '../../../x86/descriptors.js';
import { CANONICAL_BOUND } from '../../../x86/paging.js';
import { Vector } from '../../../x86/vectors.js';
import type { Cpu, ExecFn } from '../cpu/cpu.js';
import { memLinear, readOp, writeOp } from '../cpu/operands.js';
import { rawDesc, readDescriptor, segScratch, setSegCache } from '../cpu/segments.js';
import { Seg } from '../cpu/state.js';
import type { Insn } from '../decode/insn.js';
import { Op } from '../decode/ops.js';

const TWO32 = 4294967296;

function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0) cpu.raise(Vector.GP, 0);
}

/** Reads limit:base. "If the operand size is 16 bits, only 24 bits of the base are used". */
function readPseudo(cpu: Cpu, insn: Insn): [number, number] {
  const la = memLinear(cpu, insn, cpu.long64 ? 10 : 6, false);
  const limit = cpu.read16(la, cpu.needR);
  let base: number;
  if (cpu.long64) {
    const lo = cpu.read64(la + 2, cpu.needR);
    base = (cpu.hi | 0) * TWO32 + lo;
  } else {
    base = cpu.read32(la + 2, cpu.needR);
    if (insn.osize === 2) base &= 0xffffff;
  }
  return [limit, base];
}

function writePseudo(cpu: Cpu, insn: Insn, limit: number, base: number): void {
  if ((cpu.cr4 & CR4.UMIP) !== 0 && cpu.cpl > 0) cpu.raise(Vector.GP, 0);
  const la = memLinear(cpu, insn, cpu.long64 ? 10 : 6, true);
  cpu.probeWrite(la, cpu.long64 ? 10 : 6, cpu.needW);
  cpu.write16(la, limit, cpu.needW);
  if (cpu.long64) cpu.write64(la + 2, base >>> 0, Math.floor(base / TWO32) >>> 0, cpu.needW);
  else cpu.write32(la + 2, base >>> 0, cpu.needW);
}

function lgdt(cpu: Cpu, insn: Insn): void {
  requireCpl0(cpu);
  const [limit, base] = readPseudo(cpu, insn);
  if (cpu.long64 && (base < -CANONICAL_BOUND || base >= CANONICAL_BOUND)) cpu.raise(Vector.GP, 0);
  cpu.gdtLimit = limit;
  cpu.gdtBase = base;
}

function lidt(cpu: Cpu, insn: Insn): void {
  requireCpl0(cpu);
  const [limit, base] = readPseudo(cpu, insn);
  if (cpu.long64 && (base < -CANONICAL_BOUND || base >= CANONICAL_BOUND)) cpu.raise(Vector.GP, 0);
  cpu.idtLimit = limit;
  cpu.idtBase = base;
}

/** The 16-byte LDT/TSS descriptor of IA-32e mode: base bits 63:32 in the next dword. */
function systemDescBase(cpu: Cpu): number {
  if ((cpu.efer & 0x400) === 0) return segScratch.base;
  return systemBase64(rawDesc.lo, rawDesc.hi, cpu.sysRead32(rawDesc.la + 8));
}

/** LLDT: "#GP(selector) if not an LDT descriptor or it is in the LDT; #NP if not present; null = unusable". */
function lldt(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr0 & 1) === 0) cpu.raise(Vector.UD);
  requireCpl0(cpu);
  const sel = readOp(cpu, insn, insn.o1, 2, false) & 0xffff;
  if ((sel & 0xfffc) === 0) {
    cpu.segSel[Seg.LDTR] = sel;
    cpu.segAttr[Seg.LDTR] = Attr.Unusable;
    return;
  }
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, segScratch)) cpu.raise(Vector.GP, sel & 0xfffc);
  const d = segScratch;
  if (d.s || d.type !== SysType.Ldt) cpu.raise(Vector.GP, sel & 0xfffc);
  if (!d.present) cpu.raise(Vector.NP, sel & 0xfffc);
  d.base = systemDescBase(cpu);
  setSegCache(cpu, Seg.LDTR, sel, d);
}

/** LTR: an available TSS (16- or 32/64-bit) is loaded and "marked busy". */
function ltr(cpu: Cpu, insn: Insn): void {
  if ((cpu.cr0 & 1) === 0) cpu.raise(Vector.UD);
  requireCpl0(cpu);
  const sel = readOp(cpu, insn, insn.o1, 2, false) & 0xffff;
  if ((sel & 0xfffc) === 0) cpu.raise(Vector.GP, 0);
  if ((sel & 4) !== 0 || !readDescriptor(cpu, sel, segScratch)) cpu.raise(Vector.GP, sel & 0xfffc);
  const d = segScratch;
  const long = (cpu.efer & 0x400) !== 0;
  const ok = d.type === SysType.Tss32Avail || (!long && d.type === SysType.Tss16Avail);
  if (d.s || !ok) cpu.raise(Vector.GP, sel & 0xfffc);
  if (!d.present) cpu.raise(Vector.NP, sel & 0xfffc);
  d.base = systemDescBase(cpu);
  rawDesc.hi |= 0x200;
  cpu.sysWrite32(rawDesc.la + 4, rawDesc.hi);
  d.type |= 2;
  setSegCache(cpu, Seg.TR, sel, d);
}

function storeSel(cpu: Cpu, insn: Insn, seg: number): void {
  if ((cpu.cr0 & 1) === 0) cpu.raise(Vector.UD);
  if ((cpu.cr4 & CR4.UMIP) !== 0 && cpu.cpl > 0) cpu.raise(Vector.GP, 0);
  writeOp(cpu, insn, insn.o1, insn.mod === 3 ? insn.osize : 2, cpu.segSel[seg]!, 0, false);
}

export function registerTables(t: ExecFn[]): void {
  t[Op.LGDT] = lgdt;
  t[Op.LIDT] = lidt;
  t[Op.SGDT] = (cpu, insn) => writePseudo(cpu, insn, cpu.gdtLimit, cpu.gdtBase);
  t[Op.SIDT] = (cpu, insn) => writePseudo(cpu, insn, cpu.idtLimit, cpu.idtBase);
  t[Op.LLDT] = lldt;
  t[Op.LTR] = ltr;
  t[Op.SLDT] = (cpu, insn) => storeSel(cpu, insn, Seg.LDTR);
  t[Op.STR] = (cpu, insn) => storeSel(cpu, insn, Seg.TR);
}
