// One vCPU's run loop with the machine's devices, on whichever thread owns the vCPU: a vCPU worker thread,
// or the main thread for a single-vCPU machine (which runs it in slices).
import { ExitReason, KvmError, type Vcpu } from '../../abi/index.js';
import { type EntryState, withSregs } from '../boot/pvh-entry.js';
import type { IoBus } from '../devices/io-bus.js';
import { SerialBatch } from '../devices/serial-batch.js';
import { createStandardBus } from '../devices/standard-bus.js';
import type { ByteSink } from '../devices/uart16550.js';
import type { GuestEnd } from '../guest-end.js';
import { Control, REMOTE_METHODS, type VcpuRunStats, type WorkerStop } from './protocol.js';
import { handleExit } from './run-to-end.js';

const exitNames = new Map<number, string>(Object.entries(ExitReason).map(([name, v]) => [v, name]));

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class VcpuLoop {
  private readonly serial: SerialBatch;
  private readonly bus: IoBus;
  /** Exit counts by reason, for `run --stats`. */
  private readonly exitCounts: Record<string, number> = {};

  /** Puts the vCPU in its initial state; COM1 output goes to `serial` in batches (SerialBatch). */
  constructor(
    private readonly vcpu: Vcpu,
    initial: EntryState,
    serial: ByteSink,
    uartState: Uint8Array,
  ) {
    vcpu.setSregs(withSregs(vcpu.getSregs(), initial.sregs));
    vcpu.setRegs(initial.regs);
    this.serial = new SerialBatch(serial);
    this.bus = createStandardBus(this.serial.write, uartState).bus;
  }

  /**
   * Runs until the control word asks to stop, a debug exit, or the guest's end, and returns that stop. With
   * `untilKick`, a kick (ExitReason.Intr) ends the run too and returns undefined: the caller's slice is over.
   */
  run(control: Int32Array, untilKick: boolean): WorkerStop | undefined {
    let stop: WorkerStop | undefined = { type: 'paused' };
    try {
      while (Atomics.load(control, 0) === Control.Run) {
        const exit = this.vcpu.run();
        // The end of a slice is the host's business, not an exit of the guest's (--stats does not count it).
        if (exit.reason === ExitReason.Intr && untilKick) {
          stop = undefined;
          break;
        }
        const name = exitNames.get(exit.reason) ?? String(exit.reason);
        this.exitCounts[name] = (this.exitCounts[name] ?? 0) + 1;
        // A kick: the control word says what to do; a stale kick while Run just continues.
        if (exit.reason === ExitReason.Intr) continue;
        if (exit.reason === ExitReason.Debug) {
          stop = { type: 'debug', exit };
          break;
        }
        const end: GuestEnd | undefined = handleExit(this.vcpu, this.bus, exit);
        if (end) {
          stop = { type: 'end', end };
          break;
        }
        this.serial.tick();
      }
    } catch (err) {
      const end: GuestEnd = { kind: 'backend-error', message: errorText(err) };
      // A KvmError is the kernel's answer; any other exception on the way is guestdbg's own failure.
      if (!(err instanceof KvmError) && err instanceof Error && err.stack) end.stack = err.stack;
      stop = { type: 'end', end };
    }
    if (stop) this.serial.flush();
    return stop;
  }

  stats(): VcpuRunStats {
    return { exits: { ...this.exitCounts }, backend: this.vcpu.stats?.() };
  }

  /** A vCPU method the machine may call while the vCPU is stopped (REMOTE_METHODS); throws for any other. */
  call(method: string, args: unknown[]): unknown {
    if (!(REMOTE_METHODS as readonly string[]).includes(method))
      throw new Error(`vCPU method '${method}' cannot be called remotely`);
    const fn = this.vcpu[method as keyof Vcpu] as (...a: unknown[]) => unknown;
    return fn.apply(this.vcpu, args);
  }
}
