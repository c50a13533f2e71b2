// Runs one vCPU on the calling thread until the guest ends, handling I/O and MMIO exits.
import { type DebugExitArch, type Exit, ExitReason, type Vcpu } from '../../abi/index.js';
import { RFLAGS } from '../../x86/control-regs.js';
import type { IoBus } from '../devices/io-bus.js';
import type { GuestEnd } from '../guest-end.js';
import { Watchdog } from './watchdog.js';

/** MMIO to an address no device backs: reads float high, writes are dropped. */
const UNBACKED_MMIO_BYTE = 0xff;

export interface RunOptions {
  timeoutMs: number;
  /** Reuse a watchdog across calls; otherwise one is created and closed here. */
  watchdog?: Watchdog;
}

/**
 * What one exit means for a machine with nobody debugging: undefined = keep running.
 * Shared by runToEnd and the vCPU worker so both end a guest for the same reasons.
 */
export function handleExit(vcpu: Vcpu, bus: IoBus, exit: Exit): GuestEnd | undefined {
  switch (exit.reason) {
    case ExitReason.Io:
      return bus.dispatch(exit.io);
    case ExitReason.Mmio:
      if (!exit.mmio.isWrite) exit.mmio.data.fill(UNBACKED_MMIO_BYTE);
      return undefined;
    case ExitReason.IrqWindowOpen:
      return undefined;
    case ExitReason.Hlt: {
      // Nothing in this machine raises interrupts yet, so a halted vCPU never wakes, IF or not.
      const regs = vcpu.getRegs();
      return { kind: 'halted', rip: regs.rip, interruptsEnabled: (regs.rflags & BigInt(RFLAGS.IF)) !== 0n };
    }
    case ExitReason.Shutdown:
      return { kind: 'shutdown', rip: vcpu.getRegs().rip };
    case ExitReason.InternalError: {
      const rip = vcpu.getRegs().rip;
      const stack = vcpu.internalError?.();
      if (!stack) return { kind: 'internal-error', suberror: exit.suberror, rip };
      return { kind: 'internal-error', suberror: exit.suberror, rip, cause: stack.split('\n')[0], stack };
    }
    case ExitReason.FailEntry:
      return { kind: 'fail-entry', reason: exit.hardwareEntryFailureReason };
    default:
      return { kind: 'unexpected-exit', reason: exit.reason, rip: vcpu.getRegs().rip };
  }
}

/** Why runUntilStop returned: a debug exit (for whoever set up guest debugging) or the guest's end. */
export type RunStop = { kind: 'debug'; debug: DebugExitArch } | { kind: 'end'; end: GuestEnd };

/** Runs until a KVM_EXIT_DEBUG or the guest's end (or the timeout, which is an end). */
export function runUntilStop(vcpu: Vcpu, bus: IoBus, opts: RunOptions): RunStop {
  const watchdog = opts.watchdog ?? new Watchdog();
  watchdog.arm(vcpu.kicker(), opts.timeoutMs);
  try {
    for (;;) {
      const exit = vcpu.run();
      if (exit.reason === ExitReason.Intr) {
        // A kick before the deadline is stale (from an earlier run); keep going.
        if (watchdog.expired()) return { kind: 'end', end: { kind: 'timeout', ms: opts.timeoutMs } };
        continue;
      }
      if (exit.reason === ExitReason.Debug) return { kind: 'debug', debug: exit.debug };
      const end = handleExit(vcpu, bus, exit);
      if (end) return { kind: 'end', end };
    }
  } finally {
    watchdog.disarm();
    if (!opts.watchdog) void watchdog.close();
  }
}

/** Runs until the guest ends; a debug exit here means nobody is debugging, so it ends the run too. */
export function runToEnd(vcpu: Vcpu, bus: IoBus, opts: RunOptions): GuestEnd {
  const stop = runUntilStop(vcpu, bus, opts);
  if (stop.kind === 'end') return stop.end;
  return { kind: 'unexpected-exit', reason: ExitReason.Debug, rip: stop.debug.pc };
}
