// struct kvm_fpu: x87 registers, control words and the SSE registers (asm/kvm.h; fxsave-like).
import type { Fpu } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

export const FPR_COUNT = 8;
export const XMM_COUNT = 16;
const REG_BYTES = 16;

export const KVM_FPU = layout('struct kvm_fpu', 416, {
  fpr: 0,
  fcw: 128,
  fsw: 130,
  ftwx: 132,
  last_opcode: 134,
  last_ip: 136,
  last_dp: 144,
  xmm: 152,
  mxcsr: 408,
});

/** `count` 16-byte registers from `at` (copies). */
export function fpuRegs(buf: Uint8Array, at: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) =>
    Uint8Array.from(buf.subarray(at + i * REG_BYTES, at + (i + 1) * REG_BYTES)),
  );
}

/** Writes `count` 16-byte registers at `at`; `what` names them in the error (e.g. kvm_fpu.xmm). */
export function putFpuRegs(src: Uint8Array[], buf: Uint8Array, at: number, count: number, what: string): void {
  if (src.length !== count) throw new RangeError(`${what} needs ${count} registers, got ${src.length}`);
  src.forEach((r, i) => {
    if (r.length !== REG_BYTES) throw new RangeError(`${what}[${i}] needs ${REG_BYTES} bytes, got ${r.length}`);
    buf.set(r, at + i * REG_BYTES);
  });
}

/** Where each Fpu field sits in a buffer: struct kvm_fpu, or the FXSAVE area of an XSAVE image. */
export interface FpuOffsets {
  fpr: number;
  fcw: number;
  fsw: number;
  ftwx: number;
  last_opcode: number;
  last_ip: number;
  last_dp: number;
  xmm: number;
  mxcsr: number;
}

/** The Fpu laid out at `o` (struct kvm_fpu by default). */
export function decodeFpu(buf: Uint8Array, dv: DataView, o: FpuOffsets = KVM_FPU.offsets): Fpu {
  return {
    fpr: fpuRegs(buf, o.fpr, FPR_COUNT),
    fcw: dv.getUint16(o.fcw, LE),
    fsw: dv.getUint16(o.fsw, LE),
    ftwx: dv.getUint8(o.ftwx),
    lastOpcode: dv.getUint16(o.last_opcode, LE),
    lastIp: dv.getBigUint64(o.last_ip, LE),
    lastDp: dv.getBigUint64(o.last_dp, LE),
    xmm: fpuRegs(buf, o.xmm, XMM_COUNT),
    mxcsr: dv.getUint32(o.mxcsr, LE),
  };
}

/** Writes every field at `o`; for struct kvm_fpu the caller passes a zeroed buffer so pad1/pad2 stay 0.
 *  `what` names the structure in errors. */
export function encodeFpu(
  f: Fpu,
  buf: Uint8Array,
  dv: DataView,
  o: FpuOffsets = KVM_FPU.offsets,
  what = 'kvm_fpu',
): void {
  putFpuRegs(f.fpr, buf, o.fpr, FPR_COUNT, `${what}.fpr`);
  dv.setUint16(o.fcw, f.fcw, LE);
  dv.setUint16(o.fsw, f.fsw, LE);
  dv.setUint8(o.ftwx, f.ftwx);
  dv.setUint16(o.last_opcode, f.lastOpcode, LE);
  dv.setBigUint64(o.last_ip, BigInt.asUintN(64, f.lastIp), LE);
  dv.setBigUint64(o.last_dp, BigInt.asUintN(64, f.lastDp), LE);
  putFpuRegs(f.xmm, buf, o.xmm, XMM_COUNT, `${what}.xmm`);
  dv.setUint32(o.mxcsr, f.mxcsr >>> 0, LE);
}
