// One-line, KVM-worded descriptions of exits, for the probe's details and the CLI.
import { type Exit, ExitReason, IoDirection } from '../abi/index.js';

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

const REASON_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ExitReason).map(([name, value]) => [
    value,
    `KVM_EXIT_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
  ]),
);

export function exitName(reason: number): string {
  return REASON_NAMES[reason] ?? `exit reason ${reason}`;
}

/** Little-endian value of an I/O exit's first element. */
export function ioValue(data: Uint8Array, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + (data[i] ?? 0);
  return v;
}

export function describeExit(exit: Exit): string {
  switch (exit.reason) {
    case ExitReason.Debug: {
      const d = exit.debug;
      return `KVM_EXIT_DEBUG exception ${d.exception} pc ${hex(d.pc)} dr6 ${hex(d.dr6)} dr7 ${hex(d.dr7)}`;
    }
    case ExitReason.Io: {
      const io = exit.io;
      const dir = io.direction === IoDirection.Out ? 'out' : 'in';
      const value = io.direction === IoDirection.Out ? ` value ${hex(ioValue(io.data, io.size))}` : '';
      return `KVM_EXIT_IO ${dir} port ${hex(io.port)} size ${io.size}${value}`;
    }
    case ExitReason.Mmio:
      return `KVM_EXIT_MMIO ${exit.mmio.isWrite ? 'write' : 'read'} ${hex(exit.mmio.physAddr)}`;
    case ExitReason.InternalError:
      return `KVM_EXIT_INTERNAL_ERROR suberror ${exit.suberror}`;
    case ExitReason.FailEntry:
      return `KVM_EXIT_FAIL_ENTRY reason ${hex(exit.hardwareEntryFailureReason)}`;
    case ExitReason.Exception:
      return `KVM_EXIT_EXCEPTION vector ${exit.exception} error code ${hex(exit.errorCode)}`;
    default:
      return exitName(exit.reason);
  }
}
