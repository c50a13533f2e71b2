// struct kvm_xsave: the guest's XSAVE image (asm/kvm.h: __u32 region[1024]). Its first 512 bytes are the
// FXSAVE legacy area (SDM Vol. 1 Table 10-2, 64-bit layout), then the XSAVE header (XSTATE_BV at 512).
// KVM_GET_FPU/KVM_SET_FPU do not carry MXCSR on x86 under XSAVE (Linux 6.1 reads it back as 0), so the kvm
// backend's getFpu/setFpu use this image where the kernel has KVM_CAP_XSAVE.
import type { Fpu } from '../../../abi/index.js';
import { FPR_COUNT, fpuRegs, putFpuRegs, XMM_COUNT } from './fpu.js';
import { LE, layout } from './layout.js';

export const KVM_XSAVE = layout('struct kvm_xsave', 4096, { region: 0 });

/** FXSAVE legacy-area offsets (SDM Vol. 1 Table 10-2, "64-bit mode" format: FIP and FDP are 64 bits). */
const FX = { fcw: 0, fsw: 2, ftw: 4, fop: 6, fip: 8, fdp: 16, mxcsr: 24, st: 32, xmm: 160 } as const;
const XSTATE_BV = 512;
/** XSTATE_BV bits 0 and 1: x87 and SSE state are in the image (not in their initial configuration). */
const XFEATURE_X87_SSE = 3n;

/** The x87/SSE part of an image from KVM_GET_XSAVE, as struct kvm_fpu would name it. */
export function decodeXsaveFpu(buf: Uint8Array, dv: DataView): Fpu {
  return {
    fpr: fpuRegs(buf, FX.st, FPR_COUNT),
    fcw: dv.getUint16(FX.fcw, LE),
    fsw: dv.getUint16(FX.fsw, LE),
    ftwx: dv.getUint8(FX.ftw),
    lastOpcode: dv.getUint16(FX.fop, LE),
    lastIp: dv.getBigUint64(FX.fip, LE),
    lastDp: dv.getBigUint64(FX.fdp, LE),
    xmm: fpuRegs(buf, FX.xmm, XMM_COUNT),
    mxcsr: dv.getUint32(FX.mxcsr, LE),
  };
}

/**
 * Writes `f` into an image read with KVM_GET_XSAVE (the other components stay as they were) and marks x87
 * and SSE present in XSTATE_BV: XRSTOR loads a component whose bit is clear from its initial configuration.
 */
export function encodeXsaveFpu(f: Fpu, buf: Uint8Array, dv: DataView): void {
  putFpuRegs(f.fpr, buf, FX.st, FPR_COUNT, 'fpu.fpr');
  dv.setUint16(FX.fcw, f.fcw, LE);
  dv.setUint16(FX.fsw, f.fsw, LE);
  dv.setUint8(FX.ftw, f.ftwx);
  dv.setUint16(FX.fop, f.lastOpcode, LE);
  dv.setBigUint64(FX.fip, BigInt.asUintN(64, f.lastIp), LE);
  dv.setBigUint64(FX.fdp, BigInt.asUintN(64, f.lastDp), LE);
  putFpuRegs(f.xmm, buf, FX.xmm, XMM_COUNT, 'fpu.xmm');
  dv.setUint32(FX.mxcsr, f.mxcsr >>> 0, LE);
  dv.setBigUint64(XSTATE_BV, dv.getBigUint64(XSTATE_BV, LE) | XFEATURE_X87_SSE, LE);
}
