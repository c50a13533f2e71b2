// A single-vCPU machine's vCPU, on the main thread: no thread to start, and COM1 output goes straight to
// the machine's sink. It runs in slices (the watchdog thread kicks run() after SLICE_MS), and between slices
// the event loop serves timers, pause() and calls.
import type { VcpuKicker, Vm } from '../../abi/index.js';
import type { EntryState } from '../boot/pvh-entry.js';
import { type ByteSink, createUartState } from '../devices/uart16550.js';
import { Control, type RemoteMethod, type VcpuRunStats } from './protocol.js';
import type { HostEvents, StopRequest, VcpuHost } from './vcpu-host.js';
import { VcpuLoop } from './vcpu-loop.js';
import { Watchdog } from './watchdog.js';

/** The longest the main thread is away from its event loop while the vCPU runs. */
const SLICE_MS = 10;

export class InlineVcpu implements VcpuHost {
  private readonly control = new Int32Array(1);
  private readonly loop: VcpuLoop;
  private readonly kicker: VcpuKicker;
  private readonly watchdog: Watchdog;
  private closed = false;

  constructor(
    vm: Vm,
    id: number,
    initial: EntryState,
    serial: ByteSink,
    private readonly events: HostEvents,
  ) {
    const vcpu = vm.createVcpu(id);
    this.kicker = vcpu.kicker();
    this.loop = new VcpuLoop(vcpu, initial, serial, createUartState());
    this.watchdog = new Watchdog();
  }

  resume(): void {
    Atomics.store(this.control, 0, Control.Run);
    setImmediate(this.slice);
  }

  /** The main thread is never inside run() here: the next slice sees the control word and stops. */
  stop(how: StopRequest): void {
    Atomics.store(this.control, 0, how);
  }

  call(method: RemoteMethod, args: unknown[]): Promise<unknown> {
    return new Promise((resolve) => resolve(this.loop.call(method, args)));
  }

  stats(): Promise<VcpuRunStats> {
    return Promise.resolve(this.loop.stats());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watchdog.close();
  }

  private readonly slice = (): void => {
    if (this.closed) return;
    this.watchdog.arm(this.kicker, SLICE_MS);
    let stop: ReturnType<VcpuLoop['run']>;
    try {
      stop = this.loop.run(this.control, true);
    } finally {
      this.watchdog.disarm();
    }
    if (stop) this.events.stopped(stop);
    else setImmediate(this.slice);
  };
}
