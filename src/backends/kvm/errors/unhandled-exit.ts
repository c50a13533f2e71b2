// KVM_RUN came back with an exit reason the Exit union has no variant for.

/** KVM_EXIT_* names of x86 exit reasons outside the Exit union (linux/kvm.h), for messages. */
const OTHER_EXIT_NAMES: Readonly<Record<number, string>> = {
  3: 'KVM_EXIT_HYPERCALL',
  11: 'KVM_EXIT_SET_TPR',
  12: 'KVM_EXIT_TPR_ACCESS',
  16: 'KVM_EXIT_NMI',
  24: 'KVM_EXIT_SYSTEM_EVENT',
  26: 'KVM_EXIT_IOAPIC_EOI',
  27: 'KVM_EXIT_HYPERV',
  29: 'KVM_EXIT_X86_RDMSR',
  30: 'KVM_EXIT_X86_WRMSR',
  31: 'KVM_EXIT_DIRTY_RING_FULL',
  32: 'KVM_EXIT_AP_RESET_HOLD',
  33: 'KVM_EXIT_X86_BUS_LOCK',
  34: 'KVM_EXIT_XEN',
  37: 'KVM_EXIT_NOTIFY',
};

export class KvmUnhandledExitError extends Error {
  override readonly name = 'KvmUnhandledExitError';
  constructor(readonly exitReason: number) {
    super(
      `KVM_RUN returned exit reason ${exitReason} (${OTHER_EXIT_NAMES[exitReason] ?? 'unknown to guestdbg'}), ` +
        'which guestdbg does not handle: it only arises from a capability guestdbg never enables, so report it with the host kernel version',
    );
  }
}
