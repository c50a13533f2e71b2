// struct kvm_debugregs, kvm_guest_debug, kvm_debug_exit_arch (asm/kvm.h, linux/kvm.h).
import type { DebugExitArch, DebugRegs, GuestDebug } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

const U64 = 8;
const DR_SLOTS = 4;
/** kvm_guest_debug_arch.debugreg[8]: DR0-3, (4, 5 unused), DR6, DR7. */
const GUEST_DEBUGREGS = 8;

export const KVM_DEBUGREGS = layout('struct kvm_debugregs', 128, { db: 0, dr6: 32, dr7: 40, flags: 48, reserved: 56 });

export const KVM_GUEST_DEBUG = layout('struct kvm_guest_debug', 72, { control: 0, pad: 4, 'arch.debugreg': 8 });

export const KVM_DEBUG_EXIT_ARCH = layout('struct kvm_debug_exit_arch', 32, { exception: 0, pc: 8, dr6: 16, dr7: 24 });

export function decodeDebugRegs(dv: DataView): DebugRegs {
  const o = KVM_DEBUGREGS.offsets;
  const db = Array.from({ length: DR_SLOTS }, (_, i) => dv.getBigUint64(o.db + i * U64, LE));
  return {
    db: [db[0], db[1], db[2], db[3]],
    dr6: dv.getBigUint64(o.dr6, LE),
    dr7: dv.getBigUint64(o.dr7, LE),
    flags: Number(dv.getBigUint64(o.flags, LE)),
  };
}

/** reserved[9] is written as zeros: "flags and reserved must be zero" or KVM_SET_DEBUGREGS fails with EINVAL. */
export function encodeDebugRegs(d: DebugRegs, dv: DataView): void {
  const o = KVM_DEBUGREGS.offsets;
  for (let i = 0; i < DR_SLOTS; i++) dv.setBigUint64(o.db + i * U64, BigInt.asUintN(64, d.db[i]), LE);
  dv.setBigUint64(o.dr6, BigInt.asUintN(64, d.dr6), LE);
  dv.setBigUint64(o.dr7, BigInt.asUintN(64, d.dr7), LE);
  dv.setBigUint64(o.flags, BigInt(d.flags), LE);
  for (let at = o.reserved; at < KVM_DEBUGREGS.size; at += U64) dv.setBigUint64(at, 0n, LE);
}

export function encodeGuestDebug(g: GuestDebug, dv: DataView): void {
  if (g.debugreg.length > GUEST_DEBUGREGS) {
    throw new RangeError(`kvm_guest_debug has ${GUEST_DEBUGREGS} debugreg slots, got ${g.debugreg.length}`);
  }
  const o = KVM_GUEST_DEBUG.offsets;
  dv.setUint32(o.control, g.control >>> 0, LE);
  dv.setUint32(o.pad, 0, LE);
  for (let i = 0; i < GUEST_DEBUGREGS; i++) {
    dv.setBigUint64(o['arch.debugreg'] + i * U64, BigInt.asUintN(64, g.debugreg[i] ?? 0n), LE);
  }
}

export function decodeGuestDebug(dv: DataView): GuestDebug {
  const o = KVM_GUEST_DEBUG.offsets;
  return {
    control: dv.getUint32(o.control, LE),
    debugreg: Array.from({ length: GUEST_DEBUGREGS }, (_, i) => dv.getBigUint64(o['arch.debugreg'] + i * U64, LE)),
  };
}

/** `at`: where the struct starts (kvm_run.debug.arch sits at offset 32 of kvm_run). */
export function decodeDebugExitArch(dv: DataView, at: number): DebugExitArch {
  const o = KVM_DEBUG_EXIT_ARCH.offsets;
  return {
    exception: dv.getUint32(at + o.exception, LE),
    pc: dv.getBigUint64(at + o.pc, LE),
    dr6: dv.getBigUint64(at + o.dr6, LE),
    dr7: dv.getBigUint64(at + o.dr7, LE),
  };
}
