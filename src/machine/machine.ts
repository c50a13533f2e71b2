// The machine: its vCPUs, all-stop pause/resume, calls into stopped vCPUs. A single vCPU runs on the main
// thread (inline-vcpu.ts); with several, each runs in its own worker thread (worker-vcpu.ts).
// Stops are all-stop: when one vCPU stops for a debug exit, the others are paused too.
import type { DebugExitArch, Exit, Vcpu, Vm } from '../abi/index.js';
import { ExitReason } from '../abi/index.js';
import type { EntryState } from './boot/pvh-entry.js';
import type { ByteSink } from './devices/uart16550.js';
import type { GuestEnd } from './guest-end.js';
import { InlineVcpu } from './threads/inline-vcpu.js';
import { setLongTimeout } from './threads/long-timeout.js';
import { Control, type RemoteMethod, type VcpuRunStats, type WorkerStop } from './threads/protocol.js';
import type { HostEvents, StopRequest, VcpuHost } from './threads/vcpu-host.js';

export interface MachineOptions {
  vm: Vm;
  /** Initial state per vCPU; index = vCPU id. */
  vcpus: EntryState[];
  serial: ByteSink;
}

/** What a machine reports when it stops on its own. */
export type MachineEvent =
  | { kind: 'debug'; vcpu: number; debug: DebugExitArch }
  | { kind: 'end'; vcpu: number; end: GuestEnd };

type VcpuState = 'stopped' | 'running' | 'ended';

interface MachineVcpu {
  host: VcpuHost;
  state: VcpuState;
  /** Resolvers waiting for this vCPU's next stop. */
  waiters: ((stop: WorkerStop) => void)[];
}

export class Machine {
  private readonly events: MachineEvent[] = [];
  private eventWaiter: ((e: MachineEvent) => void) | undefined;
  private endEvent: MachineEvent | undefined;
  private closing = false;
  private readonly threads: MachineVcpu[] = [];

  private constructor() {}

  /** Creates the vCPUs (and their threads); every vCPU is set up and stopped when this resolves. Call resume() to run. */
  static async create(opts: MachineOptions): Promise<Machine> {
    const machine = new Machine();
    const events = (id: number): HostEvents => ({
      stopped: (stop) => machine.onStop(id, stop),
      lost: (message) => machine.onThreadLost(id, message),
    });
    const [only, ...more] = opts.vcpus;
    let hosts: VcpuHost[];
    if (only !== undefined && more.length === 0) hosts = [new InlineVcpu(opts.vm, 0, only, opts.serial, events(0))];
    else {
      // Loaded only here: a single-vCPU run never pays for the worker machinery.
      const { WorkerVcpu } = await import('./threads/worker-vcpu.js');
      hosts = await WorkerVcpu.spawnAll(opts.vm, opts.vcpus, opts.serial, events);
    }
    for (const host of hosts) machine.threads.push({ host, state: 'stopped', waiters: [] });
    return machine;
  }

  get vcpuCount(): number {
    return this.threads.length;
  }

  /** Whether the guest has ended (then only close() and read-only calls make sense). */
  get ended(): GuestEnd | undefined {
    return this.endEvent?.kind === 'end' ? this.endEvent.end : undefined;
  }

  /** Runs every stopped vCPU. */
  resume(): void {
    if (this.endEvent) throw new Error('the guest has ended; it cannot be resumed');
    for (const t of this.threads) {
      if (t.state !== 'stopped') continue;
      t.state = 'running';
      t.host.resume();
    }
  }

  /** Brings every vCPU out of run() (kick: the current or next KVM_RUN returns at once) and waits until all are stopped. */
  async pause(): Promise<void> {
    await this.stopAll(Control.Pause);
  }

  /** The next debug stop or the guest's end; rejects with MachineTimeoutError after `timeoutMs` (the vCPUs keep running). */
  async nextEvent(timeoutMs?: number): Promise<MachineEvent> {
    const queued = this.events.shift();
    if (queued) return queued;
    return new Promise<MachineEvent>((resolve, reject) => {
      const cancel =
        timeoutMs === undefined
          ? undefined
          : setLongTimeout(() => {
              this.eventWaiter = undefined;
              reject(new MachineTimeoutError(timeoutMs));
            }, timeoutMs);
      this.eventWaiter = (e) => {
        cancel?.();
        resolve(e);
      };
    });
  }

  /** Runs until the guest ends or `timeoutMs` passes (then every vCPU is stopped and the end is a timeout). */
  async runToEnd(timeoutMs?: number): Promise<GuestEnd> {
    this.resume();
    let event: MachineEvent;
    try {
      event = await this.nextEvent(timeoutMs);
    } catch (err) {
      if (!(err instanceof MachineTimeoutError)) throw err;
      await this.stopAll(Control.Stop);
      return { kind: 'timeout', ms: err.ms };
    }
    if (event.kind === 'end') return event.end;
    // Nobody is debugging: a debug exit is not something this run can explain.
    return { kind: 'unexpected-exit', reason: ExitReason.Debug, rip: event.debug.pc };
  }

  /** Calls a vCPU method in its thread; the vCPU must be stopped. */
  async call<M extends RemoteMethod>(
    vcpu: number,
    method: M,
    ...args: Parameters<Vcpu[M]>
  ): Promise<ReturnType<Vcpu[M]>> {
    return (await this.stopped(vcpu, method).call(method, args)) as ReturnType<Vcpu[M]>;
  }

  /** `run --stats`: exit counts and backend counters of a stopped vCPU. */
  stats(vcpu: number): Promise<VcpuRunStats> {
    return this.stopped(vcpu, 'stats').stats();
  }

  /** The host of a vCPU that is not running (calls would race its run loop). */
  private stopped(vcpu: number, what: string): VcpuHost {
    const t = this.thread(vcpu);
    if (t.state === 'running') throw new Error(`vCPU ${vcpu} is running; pause() the machine before calling ${what}`);
    return t.host;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.host.close()));
  }

  /** A vCPU thread died (an uncaught error, or it exited) outside close(): the guest cannot go on. */
  private onThreadLost(id: number, message: string): void {
    if (this.closing || this.thread(id).state === 'ended') return;
    this.onStop(id, { type: 'end', end: { kind: 'backend-error', message } });
  }

  private thread(id: number): MachineVcpu {
    const t = this.threads[id];
    if (!t) throw new RangeError(`no vCPU ${id}; this machine has ${this.threads.length}`);
    return t;
  }

  private async stopAll(how: StopRequest): Promise<void> {
    const waits = this.threads
      .filter((t) => t.state === 'running')
      .map((t) => {
        const stopped = new Promise<WorkerStop>((r) => t.waiters.push(r));
        t.host.stop(how);
        return stopped;
      });
    await Promise.all(waits);
  }

  private onStop(id: number, stop: WorkerStop): void {
    const t = this.thread(id);
    t.state = stop.type === 'end' ? 'ended' : 'stopped';
    for (const w of t.waiters.splice(0)) w(stop);
    if (stop.type === 'paused') return;
    const event: MachineEvent =
      stop.type === 'end'
        ? { kind: 'end', vcpu: id, end: stop.end }
        : { kind: 'debug', vcpu: id, debug: debugOf(stop.exit) };
    if (stop.type === 'end') {
      if (this.endEvent) return;
      this.endEvent = event;
    }
    // All-stop: the other vCPUs stop too (an end stops them for good) before the event is reported.
    void this.stopAll(stop.type === 'end' ? Control.Stop : Control.Pause).then(() => this.emit(event));
  }

  private emit(e: MachineEvent): void {
    const w = this.eventWaiter;
    this.eventWaiter = undefined;
    if (w) w(e);
    else this.events.push(e);
  }
}

export class MachineTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no stop within ${ms} ms`);
  }
}

function debugOf(exit: Exit): DebugExitArch {
  if (exit.reason !== ExitReason.Debug) throw new Error(`expected a debug exit, got exit reason ${exit.reason}`);
  return exit.debug;
}
