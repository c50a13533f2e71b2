// Where a machine's vCPU runs: its own worker thread (worker-vcpu.ts) or the main thread (inline-vcpu.ts).
import type { Control, RemoteMethod, VcpuRunStats, WorkerStop } from './protocol.js';

export type StopRequest = typeof Control.Pause | typeof Control.Stop;

export interface VcpuHost {
  /** Runs the vCPU until it stops on its own or stop() is called; either way it reports one stop. */
  resume(): void;
  /** Brings a running vCPU out of run() (a kick where needed); its stop is reported soon after. */
  stop(how: StopRequest): void;
  /** Calls a method of the stopped vCPU. */
  call(method: RemoteMethod, args: unknown[]): Promise<unknown>;
  stats(): Promise<VcpuRunStats>;
  close(): Promise<void>;
}

/** How a host reports back to its machine. */
export interface HostEvents {
  stopped(stop: WorkerStop): void;
  /** The vCPU's thread died outside close(). */
  lost(message: string): void;
}
