// Exit statuses of `guestdbg`. A guest that exits through isa-debug-exit gives (v << 1) | 1, always odd
// (QEMU's rule), so guestdbg's own statuses are even, and below 126 (126/127/128+n are the shell's).
import type { GuestEnd } from '../machine/guest-end.js';

export const ExitCode = {
  /** The guest asked for a reset (i8042 0xFE): the VM ends normally, like QEMU with -no-reboot. */
  Reset: 0,
  /** Bad input: usage, option syntax, an image that is not a usable PVH ELF, a missing file. */
  BadInput: 2,
  /** --timeout expired with the guest still running. */
  Timeout: 4,
  /** The guest triple-faulted (KVM_EXIT_SHUTDOWN). */
  Shutdown: 6,
  /** The backend could not run the guest: internal error, failed entry, an unexpected exit, an ioctl failure. */
  InternalError: 8,
  /** The guest halted where nothing can wake it (HLT with interrupts off, or no interrupt source). */
  Halted: 10,
  /** The backend cannot be opened (no /dev/kvm, no permission, not built). */
  BackendUnavailable: 12,
  /** A bug in guestdbg itself. */
  Bug: 14,
} as const;

/** The help text's table, kept beside the values it documents. */
export const EXIT_CODE_HELP = `Exit status:
  (v << 1) | 1  the guest wrote v to isa-debug-exit (port 0xf4), as with QEMU; always odd
  0   the guest asked for a reset (i8042 0xFE); the VM ends as with QEMU -no-reboot
  2   bad input: usage, options, image (not a PVH ELF, too big for --memory, missing)
  4   timeout: the guest still ran after --timeout seconds
  6   shutdown: the guest triple-faulted
  8   internal error: the backend could not run the guest (emulation failure, failed entry, ioctl error);
      GUESTDBG_DEBUG=1 prints the stack of a host exception behind it
  10  halted: the guest halted and nothing can wake it
  12  backend unavailable: e.g. no /dev/kvm (use --backend emu)
  14  a bug in guestdbg (please report it, with the output under GUESTDBG_DEBUG=1)`;

export function exitCodeOf(end: GuestEnd): number {
  switch (end.kind) {
    case 'debug-exit':
      return end.status;
    case 'reset':
      return ExitCode.Reset;
    case 'timeout':
      return ExitCode.Timeout;
    case 'shutdown':
      return ExitCode.Shutdown;
    case 'halted':
      return ExitCode.Halted;
    case 'internal-error':
    case 'fail-entry':
    case 'unexpected-exit':
    case 'backend-error':
      return ExitCode.InternalError;
  }
}
