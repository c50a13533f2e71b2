// A vCPU in its own worker thread (machines with several vCPUs): it runs until its control word says stop,
// and the machine reaches it by messages.
import { Worker } from 'node:worker_threads';
import type { VcpuKicker, Vm } from '../../abi/index.js';
import { kick } from '../../kick.js';
import type { EntryState } from '../boot/pvh-entry.js';
import { type ByteSink, createUartState } from '../devices/uart16550.js';
import {
  Control,
  type FromWorker,
  type RemoteMethod,
  type ToWorker,
  type VcpuRunStats,
  type VcpuWorkerData,
} from './protocol.js';
import type { HostEvents, StopRequest, VcpuHost } from './vcpu-host.js';

interface PendingCall {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WorkerVcpu implements VcpuHost {
  private readonly calls = new Map<number, PendingCall>();
  private nextCallId = 1;
  private closing = false;

  private constructor(
    private readonly id: number,
    private readonly worker: Worker,
    private readonly control: Int32Array,
    private readonly kicker: VcpuKicker,
    private readonly serial: ByteSink,
    private readonly events: HostEvents,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.onLost(err.message));
    worker.on('exit', (code) => this.onLost(`the vCPU ${this.id} thread exited with code ${code}`));
  }

  /** Starts one thread per vCPU (they share the devices' state); resolves when every vCPU is created and stopped. */
  static async spawnAll(
    vm: Vm,
    vcpus: readonly EntryState[],
    serial: ByteSink,
    events: (id: number) => HostEvents,
  ): Promise<WorkerVcpu[]> {
    const handle = vm.handle();
    const uartState = createUartState();
    const started = vcpus.map((initial, id) => {
      const control = new SharedArrayBuffer(4);
      const data: VcpuWorkerData = { handle, id, initial, control, uartState };
      const worker = new Worker(new URL('./vcpu-worker.js', import.meta.url), { workerData: data });
      // Listen for 'ready' at once: a Worker drops messages that arrive while nobody listens.
      return { worker, control: new Int32Array(control), ready: readyOf(worker, id) };
    });
    try {
      const kickers = await Promise.all(started.map((s) => s.ready));
      return started.map((s, id) => new WorkerVcpu(id, s.worker, s.control, kickers[id]!, serial, events(id)));
    } catch (err) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw err;
    }
  }

  resume(): void {
    Atomics.store(this.control, 0, Control.Run);
    this.worker.postMessage({ type: 'resume' } satisfies ToWorker);
  }

  stop(how: StopRequest): void {
    Atomics.store(this.control, 0, how);
    kick(this.kicker);
  }

  call(method: RemoteMethod, args: unknown[]): Promise<unknown> {
    return this.request((callId) => ({ type: 'call', callId, method, args }));
  }

  stats(): Promise<VcpuRunStats> {
    return this.request((callId) => ({ type: 'stats', callId })) as Promise<VcpuRunStats>;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  /** The thread answers with a 'result' (or 'error') carrying the same callId. */
  private request(message: (callId: number) => ToWorker): Promise<unknown> {
    const callId = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(callId, { resolve, reject });
      this.worker.postMessage(message(callId));
    });
  }

  private onLost(message: string): void {
    if (!this.closing) this.events.lost(message);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'serial':
        this.serial(m.bytes);
        return;
      case 'stopped':
        this.events.stopped(m.stop);
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
