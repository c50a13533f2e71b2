// Decoding kvm_run after KVM_RUN into the Exit union (linux/kvm.h, Documentation/virt/kvm/api.rst "kvm_run").
import { type Exit, ExitReason, type IoExit } from '../../abi/index.js';
import { KvmUnhandledExitError } from './errors/unhandled-exit.js';
import { decodeDebugExitArch } from './structs/debug.js';
import { LE } from './structs/layout.js';
import { INTERNAL_DATA_MAX, KVM_RUN_STRUCT, MMIO_DATA_MAX } from './structs/run.js';

const O = KVM_RUN_STRUCT.offsets;

function ioSize(size: number): IoExit['size'] {
  if (size === 1 || size === 2 || size === 4) return size;
  throw new RangeError(`kvm_run.io.size is ${size}; KVM only reports port accesses of 1, 2 or 4 bytes`);
}

/**
 * `run` is the whole vCPU mapping. IO and MMIO data are views into it, not copies: "for KVM_EXIT_IO_IN and
 * MMIO reads, userspace fills data and the next KVM_RUN completes the instruction with it".
 */
export function decodeExit(run: Uint8Array, dv: DataView): Exit {
  const reason = dv.getUint32(O.exit_reason, LE);
  switch (reason) {
    case ExitReason.Unknown:
      return { reason, hardwareExitReason: dv.getBigUint64(O['hw.hardware_exit_reason'], LE) };
    case ExitReason.Exception:
      return {
        reason,
        exception: dv.getUint32(O['ex.exception'], LE),
        errorCode: dv.getUint32(O['ex.error_code'], LE),
      };
    case ExitReason.Io: {
      const size = ioSize(dv.getUint8(O['io.size']));
      const count = dv.getUint32(O['io.count'], LE);
      // "data_offset: where the data of a port access sits, relative to the start of kvm_run" (size * count bytes).
      const at = Number(dv.getBigUint64(O['io.data_offset'], LE));
      const direction = dv.getUint8(O['io.direction']) === 0 ? 0 : 1;
      return {
        reason,
        io: { direction, size, port: dv.getUint16(O['io.port'], LE), count, data: run.subarray(at, at + size * count) },
      };
    }
    case ExitReason.Debug:
      return { reason, debug: decodeDebugExitArch(dv, O['debug.arch']) };
    case ExitReason.Hlt:
    case ExitReason.Shutdown:
    case ExitReason.IrqWindowOpen:
    case ExitReason.Intr:
      return { reason };
    case ExitReason.Mmio: {
      const len = Math.min(dv.getUint32(O['mmio.len'], LE), MMIO_DATA_MAX);
      return {
        reason,
        mmio: {
          physAddr: dv.getBigUint64(O['mmio.phys_addr'], LE),
          data: run.subarray(O['mmio.data'], O['mmio.data'] + len),
          isWrite: dv.getUint8(O['mmio.is_write']) !== 0,
        },
      };
    }
    case ExitReason.FailEntry:
      return {
        reason,
        hardwareEntryFailureReason: dv.getBigUint64(O['fail_entry.hardware_entry_failure_reason'], LE),
        cpu: dv.getUint32(O['fail_entry.cpu'], LE),
      };
    case ExitReason.InternalError: {
      // "ndata: the number of valid entries in data[]" (KVM_CAP_INTERNAL_ERROR_DATA); at most 16 fit.
      const ndata = Math.min(dv.getUint32(O['internal.ndata'], LE), INTERNAL_DATA_MAX);
      const data = Array.from({ length: ndata }, (_, i) => dv.getBigUint64(O['internal.data'] + i * 8, LE));
      return { reason, suberror: dv.getUint32(O['internal.suberror'], LE), data };
    }
    default:
      throw new KvmUnhandledExitError(reason);
  }
}
