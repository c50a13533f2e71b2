// struct kvm_msrs { u32 nmsrs; u32 pad; struct kvm_msr_entry entries[]; } (asm/kvm.h).
import type { MsrEntry } from '../../../abi/index.js';
import { LE, layout, viewOf } from './layout.js';

export const KVM_MSRS = layout('struct kvm_msrs', 8, { nmsrs: 0, entries: 8 });
export const KVM_MSR_ENTRY = layout('struct kvm_msr_entry', 16, { index: 0, data: 8 });

/** A kvm_msrs buffer holding the entries (data is ignored by KVM_GET_MSRS, which fills it). */
export function encodeMsrs(entries: readonly MsrEntry[]): Buffer {
  const buf = Buffer.alloc(KVM_MSRS.size + entries.length * KVM_MSR_ENTRY.size);
  const dv = viewOf(buf);
  dv.setUint32(KVM_MSRS.offsets.nmsrs, entries.length, LE);
  entries.forEach((e, i) => {
    const at = KVM_MSRS.offsets.entries + i * KVM_MSR_ENTRY.size;
    dv.setUint32(at + KVM_MSR_ENTRY.offsets.index, e.index >>> 0, LE);
    dv.setBigUint64(at + KVM_MSR_ENTRY.offsets.data, BigInt.asUintN(64, e.data), LE);
  });
  return buf;
}

/** The first `count` entries (KVM_GET_MSRS returns how many it read; it stops at the first it cannot). */
export function decodeMsrs(buf: Uint8Array, count: number): MsrEntry[] {
  const dv = viewOf(buf);
  return Array.from({ length: count }, (_, i) => {
    const at = KVM_MSRS.offsets.entries + i * KVM_MSR_ENTRY.size;
    return {
      index: dv.getUint32(at + KVM_MSR_ENTRY.offsets.index, LE),
      data: dv.getBigUint64(at + KVM_MSR_ENTRY.offsets.data, LE),
    };
  });
}
