// struct kvm_run (linux/kvm.h): the header shared with the kernel through the vCPU mmap, and the exit union at 32.
import { layout } from './layout.js';

export const KVM_RUN_STRUCT = layout('struct kvm_run', 2352, {
  request_interrupt_window: 0,
  immediate_exit: 1,
  exit_reason: 8,
  ready_for_interrupt_injection: 12,
  if_flag: 13,
  flags: 14,
  cr8: 16,
  apic_base: 24,
  'hw.hardware_exit_reason': 32,
  'fail_entry.hardware_entry_failure_reason': 32,
  'fail_entry.cpu': 40,
  'ex.exception': 32,
  'ex.error_code': 36,
  'io.direction': 32,
  'io.size': 33,
  'io.port': 34,
  'io.count': 36,
  'io.data_offset': 40,
  'debug.arch': 32,
  'mmio.phys_addr': 32,
  'mmio.data': 40,
  'mmio.len': 48,
  'mmio.is_write': 52,
  'internal.suberror': 32,
  'internal.ndata': 36,
  'internal.data': 40,
  kvm_valid_regs: 288,
});

/** kvm_run.mmio.data is __u8 data[8]. */
export const MMIO_DATA_MAX = 8;
/** kvm_run.internal.data is __u64 data[16]. */
export const INTERNAL_DATA_MAX = 16;
