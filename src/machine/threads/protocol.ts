// Messages between the machine (main thread) and its vCPU workers. Everything here is structured-clonable.
import type { BackendStats, Exit, Vcpu, VcpuKicker, VmHandle } from '../../abi/index.js';
import type { EntryState } from '../boot/pvh-entry.js';
import type { GuestEnd } from '../guest-end.js';

/** Per-vCPU control word (Int32Array[0]) the main thread writes and the worker's run loop reads between exits. */
export const Control = { Run: 0, Pause: 1, Stop: 2 } as const;

export interface VcpuWorkerData {
  handle: VmHandle;
  id: number;
  initial: EntryState;
  control: SharedArrayBuffer;
  uartState: Uint8Array;
}

/** The vCPU methods the main thread may call while the vCPU is stopped. */
export const REMOTE_METHODS = [
  'getRegs',
  'setRegs',
  'getSregs',
  'setSregs',
  'getDebugRegs',
  'setDebugRegs',
  'setGuestDebug',
  'getVcpuEvents',
  'setVcpuEvents',
  'translate',
] as const satisfies readonly (keyof Vcpu)[];
export type RemoteMethod = (typeof REMOTE_METHODS)[number];

export type ToWorker =
  /** Enter the run loop (the main thread has already set the control word). */
  | { type: 'resume' }
  | { type: 'call'; callId: number; method: RemoteMethod; args: unknown[] }
  /** Answer with a VcpuRunStats (as a 'result'). */
  | { type: 'stats'; callId: number };

/** `guestdbg run --stats` for one vCPU: the machine's exit counts and the backend's own counters. */
export interface VcpuRunStats {
  /** vcpu.run() exits by reason name (KVM_EXIT_* without the prefix). */
  exits: Record<string, number>;
  backend?: BackendStats;
}

/** Why a worker's run loop returned. */
export type WorkerStop = { type: 'paused' } | { type: 'debug'; exit: Exit } | { type: 'end'; end: GuestEnd };

export type FromWorker =
  | { type: 'ready'; kicker: VcpuKicker }
  | { type: 'serial'; bytes: Uint8Array }
  | { type: 'stopped'; stop: WorkerStop }
  | { type: 'result'; callId: number; value: unknown }
  | { type: 'error'; callId: number; message: string };
