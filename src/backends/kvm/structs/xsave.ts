// struct kvm_xsave: the guest's XSAVE image (asm/kvm.h: __u32 region[1024]). Its first 512 bytes are the
// FXSAVE legacy area (SDM Vol. 1 Table 10-2, 64-bit layout), then the XSAVE header (XSTATE_BV at 512).
// KVM_GET_FPU/KVM_SET_FPU do not carry MXCSR on x86 under XSAVE (Linux 6.1 reads it back as 0), so the kvm
// backend's getFpu/setFpu use this image where the kernel has KVM_CAP_XSAVE.
import type { Fpu } from '../../../abi/index.js';
import { decodeFpu, encodeFpu, type FpuOffsets } from './fpu.js';
import { LE, layout } from './layout.js';

export const KVM_XSAVE = layout('struct kvm_xsave', 4096, { region: 0 });

/** FXSAVE legacy-area offsets (SDM Vol. 1 Table 10-2, "64-bit mode" format: FIP and FDP are 64 bits). */
const FX: FpuOffsets = {
  fcw: 0,
  fsw: 2,
  ftwx: 4,
  last_opcode: 6,
  last_ip: 8,
  last_dp: 16,
  mxcsr: 24,
  fpr: 32,
  xmm: 160,
};
const XSTATE_BV = 512;
/** XSTATE_BV bits 0 and 1: x87 and SSE state are in the image (not in their initial configuration). */
const XFEATURE_X87_SSE = 3n;

/** The x87/SSE part of an image from KVM_GET_XSAVE, as struct kvm_fpu would name it. */
export function decodeXsaveFpu(buf: Uint8Array, dv: DataView): Fpu {
  return decodeFpu(buf, dv, FX);
}

/**
 * Writes `f` into an image read with KVM_GET_XSAVE (the other components stay as they were) and marks x87
 * and SSE present in XSTATE_BV: XRSTOR loads a component whose bit is clear from its initial configuration.
 */
export function encodeXsaveFpu(f: Fpu, buf: Uint8Array, dv: DataView): void {
  encodeFpu(f, buf, dv, FX, 'kvm_xsave.fxsave');
  dv.setBigUint64(XSTATE_BV, dv.getBigUint64(XSTATE_BV, LE) | XFEATURE_X87_SSE, LE);
}
