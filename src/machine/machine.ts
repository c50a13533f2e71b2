// The multi-threaded machine: one worker thread per vCPU, all-stop pause/resume, remote vCPU calls.
// Stops are all-stop: when one vCPU stops for a debug exit, the others are paused too.
import { Worker } from 'node:worker_threads';
import type { DebugExitArch, Exit, Vcpu, VcpuKicker, Vm } from '../abi/index.js';
import { ExitReason } from '../abi/index.js';
import { kick } from '../index.js';
import type { ByteSink } from './devices/uart16550.js';
import { createUartState } from './devices/uart16550.js';
import type { GuestEnd } from './guest-end.js';
import type { EntryState } from './pvh-entry.js';
import {
  Control,
  type FromWorker,
  type RemoteMethod,
  type ToWorker,
  type VcpuRunStats,
  type VcpuWorkerData,
  type WorkerStop,
} from './worker-protocol.js';

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

interface VcpuThread {
  worker: Worker;
  kicker: VcpuKicker;
  control: Int32Array;
  state: VcpuState;
  /** Resolvers waiting for this vCPU's next stop. */
  waiters: ((stop: WorkerStop) => void)[];
}

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class Machine {
  private readonly events: MachineEvent[] = [];
  private eventWaiter: ((e: MachineEvent) => void) | undefined;
  private readonly calls = new Map<number, PendingCall>();
  private nextCallId = 1;
  private endEvent: MachineEvent | undefined;
  private closing = false;

  private constructor(
    private readonly threads: VcpuThread[],
    private readonly serial: ByteSink,
  ) {}

  /** Spawns the vCPU threads; every vCPU is created, set up and stopped when this resolves. Call resume() to run. */
  static async create(opts: MachineOptions): Promise<Machine> {
    const handle = opts.vm.handle();
    const uartState = createUartState();
    const started = opts.vcpus.map((initial, id) => {
      const control = new SharedArrayBuffer(4);
      const data: VcpuWorkerData = { handle, id, initial, control, uartState };
      const worker = new Worker(new URL('./vcpu-worker.js', import.meta.url), { workerData: data });
      // Listen for 'ready' at once: a Worker drops messages that arrive while nobody listens.
      return { worker, control: new Int32Array(control), ready: readyOf(worker, id) };
    });
    const threads: VcpuThread[] = [];
    const machine = new Machine(threads, opts.serial);
    try {
      const kickers = await Promise.all(started.map((s) => s.ready));
      for (const [id, s] of started.entries()) {
        const t: VcpuThread = {
          worker: s.worker,
          control: s.control,
          kicker: kickers[id]!,
          state: 'stopped',
          waiters: [],
        };
        threads.push(t);
        s.worker.on('message', (m: FromWorker) => machine.onMessage(id, m));
        s.worker.on('error', (err) => machine.onThreadLost(id, err.message));
        s.worker.on('exit', (code) => machine.onThreadLost(id, `the vCPU ${id} thread exited with code ${code}`));
      }
    } catch (err) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw err;
    }
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
      Atomics.store(t.control, 0, Control.Run);
      t.state = 'running';
      t.worker.postMessage({ type: 'resume' });
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
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.eventWaiter = undefined;
              reject(new MachineTimeoutError(timeoutMs));
            }, timeoutMs);
      this.eventWaiter = (e) => {
        if (timer) clearTimeout(timer);
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
    return this.request(vcpu, method, (callId) => ({ type: 'call', callId, method, args }));
  }

  /** Sends a request to a stopped vCPU's thread; its 'result' (or 'error') settles the promise. */
  private request<T>(vcpu: number, what: string, message: (callId: number) => ToWorker): Promise<T> {
    const t = this.thread(vcpu);
    if (t.state === 'running') throw new Error(`vCPU ${vcpu} is running; pause() the machine before calling ${what}`);
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(callId, { resolve: resolve as (v: unknown) => void, reject });
      t.worker.postMessage(message(callId));
    });
  }

  /** `run --stats`: exit counts and backend counters of a stopped vCPU. */
  stats(vcpu: number): Promise<VcpuRunStats> {
    return this.request(vcpu, 'stats', (callId) => ({ type: 'stats', callId }));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  /** A vCPU thread died (an uncaught error, or it exited) outside close(): the guest cannot go on. */
  private onThreadLost(id: number, message: string): void {
    if (this.closing || this.thread(id).state === 'ended') return;
    this.onStop(id, { type: 'end', end: { kind: 'backend-error', message } });
  }

  private thread(id: number): VcpuThread {
    const t = this.threads[id];
    if (!t) throw new RangeError(`no vCPU ${id}; this machine has ${this.threads.length}`);
    return t;
  }

  private async stopAll(how: (typeof Control)[keyof typeof Control]): Promise<void> {
    const waits = this.threads
      .filter((t) => t.state === 'running')
      .map((t) => {
        const stopped = new Promise<WorkerStop>((r) => t.waiters.push(r));
        Atomics.store(t.control, 0, how);
        kick(t.kicker);
        return stopped;
      });
    await Promise.all(waits);
  }

  private onMessage(id: number, m: FromWorker): void {
    switch (m.type) {
      case 'serial':
        this.serial(m.bytes);
        return;
      case 'stopped':
        this.onStop(id, m.stop);
        return;
      case 'result':
      case 'error': {
        const pending = this.calls.get(m.callId);
        if (!pending) return;
        this.calls.delete(m.callId);
        if (m.type === 'result') pending.resolve(m.value);
        else pending.reject(new Error(m.message));
        return;
      }
      case 'ready':
        return;
    }
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

function readyOf(worker: Worker, id: number): Promise<VcpuKicker> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type !== 'ready') return;
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.off('message', onMessage);
      resolve(m.kicker);
    };
    const onError = (err: Error): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      reject(new Error(`vCPU ${id} could not start: ${err.message}`));
    };
    const onExit = (code: number): void => {
      worker.off('message', onMessage);
      reject(new Error(`vCPU ${id} could not start: its thread exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}
