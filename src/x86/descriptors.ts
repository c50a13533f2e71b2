// Segment and gate descriptors (SDM vol. 3 §3.4.5, §5.8.3, §6.11, §6.14.1), decoded from 32-bit words.
// Allocation-free: the caller owns the output objects.

/** System-descriptor types (S = 0), SDM vol. 3 table 3-2 (IA-32e meanings where they differ). */
export const SysType = {
  Tss16Avail: 1,
  Ldt: 2,
  Tss16Busy: 3,
  CallGate16: 4,
  TaskGate: 5,
  IntGate16: 6,
  TrapGate16: 7,
  Tss32Avail: 9,
  Tss32Busy: 11,
  CallGate32: 12,
  IntGate32: 14,
  TrapGate32: 15,
} as const;

/** Code/data type bits (S = 1): bit 3 code, bit 2 conforming (code) / expand-down (data), bit 1 readable
 *  (code) / writable (data), bit 0 accessed. */
export const SegTypeBit = { Accessed: 1, RW: 2, CE: 4, Code: 8 } as const;

export interface SegmentDescriptor {
  base: number;
  /** Byte-granular limit (the 20-bit field scaled by G: (limit << 12) | 0xfff). */
  limit: number;
  type: number;
  s: number;
  dpl: number;
  present: number;
  avl: number;
  l: number;
  db: number;
  g: number;
}

export function newSegmentDescriptor(): SegmentDescriptor {
  return { base: 0, limit: 0, type: 0, s: 0, dpl: 0, present: 0, avl: 0, l: 0, db: 0, g: 0 };
}

/** Decodes the 8-byte descriptor whose low dword is `lo` and high dword `hi`. */
export function decodeSegmentDescriptor(lo: number, hi: number, out: SegmentDescriptor): SegmentDescriptor {
  out.base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  out.g = (hi >>> 23) & 1;
  out.limit = out.g ? ((raw << 12) | 0xfff) >>> 0 : raw;
  out.type = (hi >>> 8) & 0xf;
  out.s = (hi >>> 12) & 1;
  out.dpl = (hi >>> 13) & 3;
  out.present = (hi >>> 15) & 1;
  out.avl = (hi >>> 20) & 1;
  out.l = (hi >>> 21) & 1;
  out.db = (hi >>> 22) & 1;
  return out;
}

/** A 64-bit system descriptor (LDT/TSS in IA-32e mode, 16 bytes): the third dword holds base bits 63:32. */
export function systemBase64(lo: number, hi: number, upper: number): number {
  const base32 = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  return (upper | 0) * 4294967296 + base32;
}

export interface GateDescriptor {
  /** Target offset (signed double in long mode, canonical). */
  offset: number;
  selector: number;
  type: number;
  dpl: number;
  present: number;
  /** Interrupt-stack-table index (long mode), 0 = none. */
  ist: number;
}

export function newGateDescriptor(): GateDescriptor {
  return { offset: 0, selector: 0, type: 0, dpl: 0, present: 0, ist: 0 };
}

/** Legacy 8-byte interrupt/trap/call/task gate. */
export function decodeGate32(lo: number, hi: number, out: GateDescriptor): GateDescriptor {
  out.offset = ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0;
  out.selector = lo >>> 16;
  out.type = (hi >>> 8) & 0xf;
  out.dpl = (hi >>> 13) & 3;
  out.present = (hi >>> 15) & 1;
  out.ist = 0;
  return out;
}

/** IA-32e 16-byte gate: offset 63:32 in the third dword, IST in bits 2:0 of the second. */
export function decodeGate64(lo: number, hi: number, upper: number, out: GateDescriptor): GateDescriptor {
  decodeGate32(lo, hi, out);
  out.offset = (upper | 0) * 4294967296 + out.offset;
  out.ist = hi & 7;
  return out;
}

/** VMX-style packed access rights (also how the emu CPU stores segments): type 3:0, S 4, DPL 6:5, P 7,
 *  AVL 12, L 13, D/B 14, G 15, unusable 16. */
export function packAttr(d: {
  type: number;
  s: number;
  dpl: number;
  present: number;
  avl: number;
  l: number;
  db: number;
  g: number;
}): number {
  return (
    (d.type & 0xf) |
    ((d.s & 1) << 4) |
    ((d.dpl & 3) << 5) |
    ((d.present & 1) << 7) |
    ((d.avl & 1) << 12) |
    ((d.l & 1) << 13) |
    ((d.db & 1) << 14) |
    ((d.g & 1) << 15)
  );
}

export const Attr = {
  TypeMask: 0xf,
  S: 1 << 4,
  DplShift: 5,
  P: 1 << 7,
  AVL: 1 << 12,
  L: 1 << 13,
  DB: 1 << 14,
  G: 1 << 15,
  Unusable: 1 << 16,
} as const;
