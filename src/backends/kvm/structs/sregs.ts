// struct kvm_segment, kvm_dtable, kvm_sregs (asm/kvm.h).
import type { DescriptorTable, Segment, Sregs } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

export const KVM_SEGMENT = layout('struct kvm_segment', 24, {
  base: 0,
  limit: 8,
  selector: 12,
  type: 14,
  present: 15,
  dpl: 16,
  db: 17,
  s: 18,
  l: 19,
  g: 20,
  avl: 21,
  unusable: 22,
});

export const KVM_DTABLE = layout('struct kvm_dtable', 16, { base: 0, limit: 8 });

const SEGMENTS = ['cs', 'ds', 'es', 'fs', 'gs', 'ss', 'tr', 'ldt'] as const;
const CONTROL = ['cr0', 'cr2', 'cr3', 'cr4', 'cr8', 'efer'] as const;

/** interrupt_bitmap: (KVM_NR_INTERRUPTS + 63) / 64 u64s, the pending-interrupt bitmap of the in-kernel irqchip. */
const INTERRUPT_BITMAP_BYTES = 32;

export const KVM_SREGS = layout('struct kvm_sregs', 312, {
  cs: 0,
  ds: 24,
  es: 48,
  fs: 72,
  gs: 96,
  ss: 120,
  tr: 144,
  ldt: 168,
  gdt: 192,
  idt: 208,
  cr0: 224,
  cr2: 232,
  cr3: 240,
  cr4: 248,
  cr8: 256,
  efer: 264,
  apic_base: 272,
  interrupt_bitmap: 280,
});

const SEG_BYTE_FIELDS = ['type', 'present', 'dpl', 'db', 's', 'l', 'g', 'avl', 'unusable'] as const;

export function decodeSegment(dv: DataView, at: number): Segment {
  const o = KVM_SEGMENT.offsets;
  const seg: Segment = {
    base: dv.getBigUint64(at + o.base, LE),
    limit: dv.getUint32(at + o.limit, LE),
    selector: dv.getUint16(at + o.selector, LE),
    type: 0,
    present: 0,
    dpl: 0,
    db: 0,
    s: 0,
    l: 0,
    g: 0,
    avl: 0,
    unusable: 0,
  };
  for (const f of SEG_BYTE_FIELDS) seg[f] = dv.getUint8(at + o[f]);
  return seg;
}

export function encodeSegment(seg: Segment, dv: DataView, at: number): void {
  const o = KVM_SEGMENT.offsets;
  dv.setBigUint64(at + o.base, BigInt.asUintN(64, seg.base), LE);
  dv.setUint32(at + o.limit, seg.limit >>> 0, LE);
  dv.setUint16(at + o.selector, seg.selector, LE);
  for (const f of SEG_BYTE_FIELDS) dv.setUint8(at + o[f], seg[f]);
  dv.setUint8(at + KVM_SEGMENT.size - 1, 0); // padding
}

function decodeDtable(dv: DataView, at: number): DescriptorTable {
  return {
    base: dv.getBigUint64(at + KVM_DTABLE.offsets.base, LE),
    limit: dv.getUint16(at + KVM_DTABLE.offsets.limit, LE),
  };
}

function encodeDtable(t: DescriptorTable, dv: DataView, at: number): void {
  dv.setBigUint64(at + KVM_DTABLE.offsets.base, BigInt.asUintN(64, t.base), LE);
  dv.setUint16(at + KVM_DTABLE.offsets.limit, t.limit, LE);
  for (let i = KVM_DTABLE.offsets.limit + 2; i < KVM_DTABLE.size; i++) dv.setUint8(at + i, 0); // padding[3]
}

export function decodeSregs(dv: DataView): Sregs {
  const o = KVM_SREGS.offsets;
  const s = {} as Sregs;
  for (const seg of SEGMENTS) s[seg] = decodeSegment(dv, o[seg]);
  s.gdt = decodeDtable(dv, o.gdt);
  s.idt = decodeDtable(dv, o.idt);
  for (const cr of CONTROL) s[cr] = dv.getBigUint64(o[cr], LE);
  s.apicBase = dv.getBigUint64(o.apic_base, LE);
  return s;
}

/** interrupt_bitmap is written as zeros: "no interrupt pending" (guestdbg does not use the in-kernel irqchip). */
export function encodeSregs(s: Sregs, dv: DataView): void {
  const o = KVM_SREGS.offsets;
  for (const seg of SEGMENTS) encodeSegment(s[seg], dv, o[seg]);
  encodeDtable(s.gdt, dv, o.gdt);
  encodeDtable(s.idt, dv, o.idt);
  for (const cr of CONTROL) dv.setBigUint64(o[cr], BigInt.asUintN(64, s[cr]), LE);
  dv.setBigUint64(o.apic_base, BigInt.asUintN(64, s.apicBase), LE);
  for (let i = 0; i < INTERRUPT_BITMAP_BYTES; i++) dv.setUint8(o.interrupt_bitmap + i, 0);
}
