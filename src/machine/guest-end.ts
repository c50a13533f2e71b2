// How a guest run ends: one variant per cause, each with the facts a user needs to understand it.

export type GuestEnd =
  /** isa-debug-exit: the guest wrote `value` to port 0xf4; status = (value << 1) | 1 (QEMU's rule). */
  | { kind: 'debug-exit'; value: number; status: number }
  /** The guest asked to reset (0xFE to the i8042 command port); with -no-reboot semantics the VM ends. */
  | { kind: 'reset' }
  /** KVM_EXIT_SHUTDOWN: a triple fault. */
  | { kind: 'shutdown'; rip: bigint }
  /**
   * KVM_EXIT_INTERNAL_ERROR (e.g. suberror 1: the instruction could not be emulated). On emu `cause` is the
   * host exception behind it (its first line) and `stack` its full text: a bug in guestdbg, not the guest's.
   */
  | { kind: 'internal-error'; suberror: number; rip: bigint; cause?: string; stack?: string }
  /** KVM_EXIT_FAIL_ENTRY: the vCPU state was refused by the hardware. */
  | { kind: 'fail-entry'; reason: bigint }
  /** An exit reason the machine has no use for (e.g. a debug exit while nobody debugs). */
  | { kind: 'unexpected-exit'; reason: number; rip: bigint }
  /** HLT with nothing that could ever wake the vCPU (IF=0, or no interrupt source exists yet). */
  | { kind: 'halted'; rip: bigint; interruptsEnabled: boolean }
  /**
   * A backend call failed (an ioctl error, an emulator fault); `message` is its one-line error. `stack` is
   * set when it was a host exception rather than a KvmError: a bug in guestdbg.
   */
  | { kind: 'backend-error'; message: string; stack?: string }
  /** The run took longer than the caller allowed. */
  | { kind: 'timeout'; ms: number };

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** One sentence describing the end, for the CLI and test failures. */
export function describeEnd(end: GuestEnd): string {
  switch (end.kind) {
    case 'debug-exit':
      return `guest exited through isa-debug-exit with value ${end.value} (status ${end.status})`;
    case 'reset':
      return 'guest asked for a reset (i8042 0xFE); the VM ends, as QEMU does with -no-reboot';
    case 'shutdown':
      return `guest triple-faulted (KVM_EXIT_SHUTDOWN) near rip ${hex(end.rip)}; check its IDT/GDT setup`;
    case 'internal-error':
      return end.cause === undefined
        ? `internal error suberror ${end.suberror} at rip ${hex(end.rip)} (KVM_EXIT_INTERNAL_ERROR); the backend could not run that instruction`
        : `internal error at rip ${hex(end.rip)} (KVM_EXIT_INTERNAL_ERROR): the emulator failed with ${end.cause}`;
    case 'fail-entry':
      return `vCPU entry failed (KVM_EXIT_FAIL_ENTRY, hardware reason ${hex(end.reason)}); the vCPU state is invalid`;
    case 'unexpected-exit':
      return `unexpected exit reason ${end.reason} at rip ${hex(end.rip)}; the machine does not handle it`;
    case 'halted':
      return end.interruptsEnabled
        ? `guest halted at rip ${hex(end.rip)} waiting for an interrupt, and this machine has no interrupt source`
        : `guest halted with interrupts off at rip ${hex(end.rip)}; it can never continue`;
    case 'backend-error':
      return `the backend failed: ${end.message}`;
    case 'timeout':
      return `guest still running after ${end.ms} ms; raise --timeout or check that it exits through port 0xf4`;
  }
}
