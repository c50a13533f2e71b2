// struct kvm_translation, kvm_userspace_memory_region, kvm_interrupt (linux/kvm.h).
import type { Translation } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

export const KVM_TRANSLATION = layout('struct kvm_translation', 24, {
  linear_address: 0,
  physical_address: 8,
  valid: 16,
  writeable: 17,
  usermode: 18,
});

export const KVM_USERSPACE_MEMORY_REGION = layout('struct kvm_userspace_memory_region', 32, {
  slot: 0,
  flags: 4,
  guest_phys_addr: 8,
  memory_size: 16,
  userspace_addr: 24,
});

export const KVM_INTERRUPT_STRUCT = layout('struct kvm_interrupt', 4, { irq: 0 });

export function encodeTranslationRequest(linearAddress: bigint, dv: DataView): void {
  dv.setBigUint64(KVM_TRANSLATION.offsets.linear_address, BigInt.asUintN(64, linearAddress), LE);
}

export function decodeTranslation(dv: DataView): Translation {
  const o = KVM_TRANSLATION.offsets;
  return {
    linearAddress: dv.getBigUint64(o.linear_address, LE),
    physicalAddress: dv.getBigUint64(o.physical_address, LE),
    valid: dv.getUint8(o.valid) !== 0,
    writeable: dv.getUint8(o.writeable) !== 0,
    usermode: dv.getUint8(o.usermode) !== 0,
  };
}

export interface UserspaceMemoryRegion {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
}

export function encodeMemoryRegion(r: UserspaceMemoryRegion, dv: DataView): void {
  const o = KVM_USERSPACE_MEMORY_REGION.offsets;
  dv.setUint32(o.slot, r.slot >>> 0, LE);
  dv.setUint32(o.flags, r.flags >>> 0, LE);
  dv.setBigUint64(o.guest_phys_addr, BigInt.asUintN(64, r.guestPhysAddr), LE);
  dv.setBigUint64(o.memory_size, BigInt.asUintN(64, r.memorySize), LE);
  dv.setBigUint64(o.userspace_addr, BigInt.asUintN(64, r.userspaceAddr), LE);
}

export function decodeMemoryRegion(dv: DataView): UserspaceMemoryRegion {
  const o = KVM_USERSPACE_MEMORY_REGION.offsets;
  return {
    slot: dv.getUint32(o.slot, LE),
    flags: dv.getUint32(o.flags, LE),
    guestPhysAddr: dv.getBigUint64(o.guest_phys_addr, LE),
    memorySize: dv.getBigUint64(o.memory_size, LE),
    userspaceAddr: dv.getBigUint64(o.userspace_addr, LE),
  };
}

export function encodeInterrupt(vector: number, dv: DataView): void {
  dv.setUint32(KVM_INTERRUPT_STRUCT.offsets.irq, vector >>> 0, LE);
}
