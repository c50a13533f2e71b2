// struct kvm_cpuid2 { u32 nent; u32 padding; struct kvm_cpuid_entry2 entries[]; } (asm/kvm.h).
import type { CpuidEntry } from '../../../abi/index.js';
import { LE, layout, viewOf } from './layout.js';

export const KVM_CPUID2 = layout('struct kvm_cpuid2', 8, { nent: 0, entries: 8 });
export const KVM_CPUID_ENTRY2 = layout('struct kvm_cpuid_entry2', 40, {
  function: 0,
  index: 4,
  flags: 8,
  eax: 12,
  ebx: 16,
  ecx: 20,
  edx: 24,
});

const FIELDS = ['function', 'index', 'flags', 'eax', 'ebx', 'ecx', 'edx'] as const;

/** A kvm_cpuid2 buffer with room for `capacity` entries, `entries` written at the front and nent = capacity. */
export function encodeCpuid2(entries: readonly CpuidEntry[], capacity = entries.length): Buffer {
  capacity = Math.max(capacity, entries.length);
  const buf = Buffer.alloc(KVM_CPUID2.size + capacity * KVM_CPUID_ENTRY2.size);
  const dv = viewOf(buf);
  dv.setUint32(KVM_CPUID2.offsets.nent, capacity, LE);
  entries.forEach((e, i) => {
    const at = KVM_CPUID2.offsets.entries + i * KVM_CPUID_ENTRY2.size;
    for (const f of FIELDS) dv.setUint32(at + KVM_CPUID_ENTRY2.offsets[f], e[f] >>> 0, LE);
  });
  return buf;
}

/** The nent entries the kernel wrote back. */
export function decodeCpuid2(buf: Uint8Array): CpuidEntry[] {
  const dv = viewOf(buf);
  const nent = dv.getUint32(KVM_CPUID2.offsets.nent, LE);
  return Array.from({ length: nent }, (_, i) => {
    const at = KVM_CPUID2.offsets.entries + i * KVM_CPUID_ENTRY2.size;
    const e = {} as CpuidEntry;
    for (const f of FIELDS) e[f] = dv.getUint32(at + KVM_CPUID_ENTRY2.offsets[f], LE);
    return e;
  });
}
