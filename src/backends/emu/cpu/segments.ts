// Segment-register loads with the protected-mode checks (SDM vol. 3 §5.5-5.8; vol. 2 MOV/POP/LDS/LSS):
// selectors index the GDT or LDT, the descriptor's type, DPL and P decide #GP/#SS/#NP with the selector as
// error code, and the accessed bit is written back.
import {
  Attr,
  decodeSegmentDescriptor,
  newSegmentDescriptor,
  packAttr,
  type SegmentDescriptor,
} from '../../../x86/descriptors.js';
import { Vector } from '../../../x86/vectors.js';
import type { CpuMem } from './mmu.js';
import { Seg } from './state.js';

const scratch = newSegmentDescriptor();
/** Raw words of the last descriptor read (for 16-byte system descriptors and the accessed-bit write-back). */
export const rawDesc = { lo: 0, hi: 0, la: 0 };

/** Reads the descriptor for `sel` into `out`; false when the index is beyond the GDT/LDT limit. */
export function readDescriptor(cpu: CpuMem, sel: number, out: SegmentDescriptor): boolean {
  const index = sel & 0xfff8;
  let base: number;
  let limit: number;
  if ((sel & 4) !== 0) {
    if ((cpu.segAttr[Seg.LDTR]! & Attr.Unusable) !== 0 || cpu.segSel[Seg.LDTR] === 0) return false;
    base = cpu.segBase[Seg.LDTR]!;
    limit = cpu.segLimit[Seg.LDTR]!;
  } else {
    base = cpu.gdtBase;
    limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) return false;
  const la = base + index;
  rawDesc.la = la;
  rawDesc.lo = cpu.sysRead32(la);
  rawDesc.hi = cpu.sysRead32(la + 4);
  decodeSegmentDescriptor(rawDesc.lo, rawDesc.hi, out);
  return true;
}

/** Sets the accessed bit of the descriptor last read ("the processor sets the accessed bit ... when it loads"). */
export function markAccessed(cpu: CpuMem): void {
  if ((rawDesc.hi & 0x100) === 0) {
    rawDesc.hi |= 0x100;
    cpu.sysWrite32(rawDesc.la + 4, rawDesc.hi);
  }
}

export function setSegCache(cpu: CpuMem, seg: number, sel: number, d: SegmentDescriptor): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = d.base;
  cpu.segLimit[seg] = d.limit;
  cpu.segAttr[seg] = packAttr(d);
}

/** A null selector in a data segment register: usable for nothing until reloaded. */
export function setNullSeg(cpu: CpuMem, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0;
  cpu.segAttr[seg] = Attr.Unusable;
}

/** Real mode and virtual-8086 mode: "the selector is shifted left 4 bits to form the base". */
export function loadRealSeg(cpu: CpuMem, seg: number, sel: number): void {
  cpu.segSel[seg] = sel;
  cpu.segBase[seg] = sel * 16;
  if ((cpu.rflags & (1 << 17)) !== 0) {
    cpu.segLimit[seg] = 0xffff;
    cpu.segAttr[seg] = Attr.P | Attr.S | (3 << 5) | (seg === Seg.CS ? 0xb : 3);
  } else {
    cpu.segAttr[seg] &= ~Attr.Unusable;
  }
  if (seg === Seg.CS || seg === Seg.SS) cpu.updateMode();
}

/**
 * MOV Sreg / POP Sreg / LDS-LSS into a data or stack segment register (never CS).
 * SS: "#GP(selector) if the RPL or DPL is not the CPL or the segment is not a writable data segment;
 * #SS(selector) if not present; #GP(0) for a null selector" (a null SS is allowed in 64-bit mode at CPL < 3
 * with RPL = CPL). DS..GS: data or readable code, DPL >= max(CPL, RPL) unless conforming code, #NP if not present.
 */
export function loadDataSeg(cpu: CpuMem, seg: number, sel: number): void {
  if ((cpu.cr0 & 1) === 0 || (cpu.rflags & (1 << 17)) !== 0) {
    loadRealSeg(cpu, seg, sel);
    return;
  }
  const rpl = sel & 3;
  const cpl = cpu.cpl;
  if ((sel & 0xfffc) === 0) {
    if (seg === Seg.SS && !(cpu.long64 && cpl < 3 && rpl === cpl)) cpu.raise(Vector.GP, 0);
    setNullSeg(cpu, seg, sel);
    if (seg === Seg.SS) {
      cpu.segAttr[seg] = Attr.Unusable | (cpl << Attr.DplShift);
      cpu.updateMode();
    }
    return;
  }
  const d = scratch;
  if (!readDescriptor(cpu, sel, d)) cpu.raise(Vector.GP, sel & 0xfffc);
  const code = (d.type & 8) !== 0;
  if (seg === Seg.SS) {
    if (rpl !== cpl || d.dpl !== cpl || !d.s || code || (d.type & 2) === 0) cpu.raise(Vector.GP, sel & 0xfffc);
    if (!d.present) cpu.raise(Vector.SS, sel & 0xfffc);
  } else {
    if (!d.s || (code && (d.type & 2) === 0)) cpu.raise(Vector.GP, sel & 0xfffc);
    const conforming = code && (d.type & 4) !== 0;
    if (!conforming && d.dpl < Math.max(cpl, rpl)) cpu.raise(Vector.GP, sel & 0xfffc);
    if (!d.present) cpu.raise(Vector.NP, sel & 0xfffc);
  }
  markAccessed(cpu);
  d.type |= 1;
  setSegCache(cpu, seg, sel, d);
  if (seg === Seg.SS) cpu.updateMode();
}

/**
 * Checks a code-segment descriptor for a far JMP/CALL/RET/IRET to `sel` and returns it (in `scratch`).
 * Direct transfers: non-conforming needs RPL <= CPL and DPL = CPL; conforming needs DPL <= CPL.
 * Returns (RET/IRET, `ret` = true): RPL >= CPL, and DPL = RPL (non-conforming) or DPL <= RPL (conforming).
 */
export function checkCodeSeg(cpu: CpuMem, sel: number, ret: boolean): SegmentDescriptor {
  if ((sel & 0xfffc) === 0) cpu.raise(Vector.GP, 0);
  const d = scratch;
  if (!readDescriptor(cpu, sel, d)) cpu.raise(Vector.GP, sel & 0xfffc);
  if (!d.s || (d.type & 8) === 0) cpu.raise(Vector.GP, sel & 0xfffc);
  const rpl = sel & 3;
  const conforming = (d.type & 4) !== 0;
  if (ret) {
    if (rpl < cpu.cpl) cpu.raise(Vector.GP, sel & 0xfffc);
    if (conforming ? d.dpl > rpl : d.dpl !== rpl) cpu.raise(Vector.GP, sel & 0xfffc);
  } else if (conforming ? d.dpl > cpu.cpl : rpl > cpu.cpl || d.dpl !== cpu.cpl) {
    cpu.raise(Vector.GP, sel & 0xfffc);
  }
  // "If the L bit is set, the D bit must be cleared" in IA-32e mode.
  if ((cpu.efer & 0x400) !== 0 && d.l && d.db) cpu.raise(Vector.GP, sel & 0xfffc);
  if (!d.present) cpu.raise(Vector.NP, sel & 0xfffc);
  return d;
}

/** The code segment an interrupt/exception gate names: "#GP(selector + EXT) if the selector is outside the
 *  table, not a code segment, or its DPL > CPL; #NP(selector + EXT) if not present; #GP(EXT) if null". */
export function checkIntCs(cpu: CpuMem, sel: number, ext: number): SegmentDescriptor {
  if ((sel & 0xfffc) === 0) cpu.raise(Vector.GP, ext);
  const d = scratch;
  const err = (sel & 0xfffc) + ext;
  if (!readDescriptor(cpu, sel, d)) cpu.raise(Vector.GP, err);
  if (!d.s || (d.type & 8) === 0 || d.dpl > cpu.cpl) cpu.raise(Vector.GP, err);
  if (!d.present) cpu.raise(Vector.NP, err);
  return d;
}

/** Commits a checked code segment as CS at privilege `cpl` (selector RPL forced to it). */
export function setCs(cpu: CpuMem, sel: number, d: SegmentDescriptor, cpl: number): void {
  markAccessed(cpu);
  d.type |= 1;
  setSegCache(cpu, Seg.CS, (sel & 0xfffc) | cpl, d);
  cpu.cpl = cpl;
  cpu.updateMode();
}

/** After a return to an outer privilege level: "segment registers ES, FS, GS, DS whose DPL < new CPL and that
 *  are not conforming code are loaded with a null selector". */
export function nullOuterSegs(cpu: CpuMem): void {
  for (const seg of [Seg.ES, Seg.DS, Seg.FS, Seg.GS]) {
    const a = cpu.segAttr[seg]!;
    const dpl = (a >>> Attr.DplShift) & 3;
    const conformingCode = (a & 0xc) === 0xc;
    if ((a & Attr.Unusable) === 0 && (a & Attr.S) !== 0 && !conformingCode && dpl < cpu.cpl) {
      // The base is kept (it matters for FS/GS in 64-bit mode); the selector and usability go.
      cpu.segSel[seg] = 0;
      cpu.segAttr[seg] = Attr.Unusable;
    }
  }
}

export { scratch as segScratch };
