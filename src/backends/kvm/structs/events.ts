// struct kvm_vcpu_events (asm/kvm.h): pending/injected exception, interrupt, NMI, SIPI, SMI state.
import { type VcpuEvents, VcpuEventsFlag } from '../../../abi/index.js';
import { LE, layout } from './layout.js';

export const KVM_VCPU_EVENTS = layout('struct kvm_vcpu_events', 64, {
  'exception.injected': 0,
  'exception.nr': 1,
  'exception.has_error_code': 2,
  'exception.pending': 3,
  'exception.error_code': 4,
  'interrupt.injected': 8,
  'interrupt.nr': 9,
  'interrupt.soft': 10,
  'interrupt.shadow': 11,
  'nmi.injected': 12,
  'nmi.pending': 13,
  'nmi.masked': 14,
  sipi_vector: 16,
  flags: 20,
  smi: 24,
  triple_fault: 28,
  exception_has_payload: 55,
  exception_payload: 56,
});

/** KVM_VCPUEVENT_VALID_TRIPLE_FAULT (linux 5.19+). */
const VALID_TRIPLE_FAULT = 0x20;
/**
 * VcpuEvents carries no smi/triple_fault fields, so those flags are dropped on SET: "smi.* are only
 * written when KVM_VCPUEVENT_VALID_SMM is set", which keeps the kernel's SMM state instead of zeroing it.
 */
const FLAGS_WITHOUT_FIELDS = VcpuEventsFlag.ValidSmm | VALID_TRIPLE_FAULT;

export function decodeVcpuEvents(dv: DataView): VcpuEvents {
  const o = KVM_VCPU_EVENTS.offsets;
  const u8 = (at: number) => dv.getUint8(at);
  return {
    exception: {
      injected: u8(o['exception.injected']),
      nr: u8(o['exception.nr']),
      hasErrorCode: u8(o['exception.has_error_code']),
      pending: u8(o['exception.pending']),
      errorCode: dv.getUint32(o['exception.error_code'], LE),
    },
    interrupt: {
      injected: u8(o['interrupt.injected']),
      nr: u8(o['interrupt.nr']),
      soft: u8(o['interrupt.soft']),
      shadow: u8(o['interrupt.shadow']),
    },
    nmi: { injected: u8(o['nmi.injected']), pending: u8(o['nmi.pending']), masked: u8(o['nmi.masked']) },
    sipiVector: dv.getUint32(o.sipi_vector, LE),
    flags: dv.getUint32(o.flags, LE),
    exceptionHasPayload: u8(o.exception_has_payload),
    exceptionPayload: dv.getBigUint64(o.exception_payload, LE),
  };
}

/** Expects a zeroed buffer: smi, triple_fault and reserved[] stay 0. */
export function encodeVcpuEvents(e: VcpuEvents, dv: DataView): void {
  const o = KVM_VCPU_EVENTS.offsets;
  const u8 = (at: number, v: number) => dv.setUint8(at, v);
  u8(o['exception.injected'], e.exception.injected);
  u8(o['exception.nr'], e.exception.nr);
  u8(o['exception.has_error_code'], e.exception.hasErrorCode);
  u8(o['exception.pending'], e.exception.pending);
  dv.setUint32(o['exception.error_code'], e.exception.errorCode >>> 0, LE);
  u8(o['interrupt.injected'], e.interrupt.injected);
  u8(o['interrupt.nr'], e.interrupt.nr);
  u8(o['interrupt.soft'], e.interrupt.soft);
  u8(o['interrupt.shadow'], e.interrupt.shadow);
  u8(o['nmi.injected'], e.nmi.injected);
  u8(o['nmi.pending'], e.nmi.pending);
  u8(o['nmi.masked'], e.nmi.masked);
  dv.setUint32(o.sipi_vector, e.sipiVector >>> 0, LE);
  dv.setUint32(o.flags, (e.flags & ~FLAGS_WITHOUT_FIELDS) >>> 0, LE);
  u8(o.exception_has_payload, e.exceptionHasPayload);
  dv.setBigUint64(o.exception_payload, BigInt.asUintN(64, e.exceptionPayload), LE);
}
