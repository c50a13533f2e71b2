// What the debugger core offers its front ends (the GDB stub, the CLI, later the web UI): backend-neutral,
// all-stop, one thread per vCPU. Addresses are guest-virtual unless a name says physical.
import type { Fpu, Regs, Sregs } from '../abi/index.js';

/** gdb's Z-packet types: 0 software, 1 hardware execution, 2 write, 3 read, 4 access watchpoint. */
export const BreakType = { Software: 0, Hardware: 1, Write: 2, Read: 3, Access: 4 } as const;
export type BreakType = (typeof BreakType)[keyof typeof BreakType];

export type StopReason =
  | { kind: 'swbreak' }
  | { kind: 'hwbreak' }
  | { kind: 'watch' | 'rwatch' | 'awatch'; addr: bigint }
  | { kind: 'step' }
  /** Stopped on request (Ctrl-C / pause). */
  | { kind: 'interrupt' };

export type StopEvent =
  | { kind: 'stopped'; vcpu: number; reason: StopReason }
  /** The guest ended through isa-debug-exit: status is the VMM's exit status ((v << 1) | 1). */
  | { kind: 'exited'; status: number }
  /** The guest ended otherwise (triple fault, internal error, halted with interrupts off); `message` says how. */
  | { kind: 'terminated'; message: string };

export type ResumeAction = 'continue' | 'step';

/** A request the target cannot honour; front ends map it to an error reply, never a crash. */
export class DebugTargetError extends Error {
  override readonly name = 'DebugTargetError';
  constructor(
    readonly code: 'unsupported' | 'no-slot' | 'unmapped' | 'bad-argument' | 'not-stopped',
    message: string,
  ) {
    super(message);
  }
}

/** The extra per-vCPU state kernel debuggers read next to Regs/Sregs. */
export interface SystemRegs {
  fsBase: bigint;
  gsBase: bigint;
  kernelGsBase: bigint;
}

export interface DebugTarget {
  readonly vcpuIds: readonly number[];
  getRegs(vcpu: number): Promise<Regs>;
  setRegs(vcpu: number, regs: Regs): Promise<void>;
  getSregs(vcpu: number): Promise<Sregs>;
  setSregs(vcpu: number, sregs: Sregs): Promise<void>;
  getSystemRegs(vcpu: number): Promise<SystemRegs>;
  getFpu(vcpu: number): Promise<Fpu>;
  setFpu(vcpu: number, fpu: Fpu): Promise<void>;
  /** Reads guest-virtual memory through vcpu's page tables; throws DebugTargetError('unmapped') naming the page. */
  readMemory(vcpu: number, addr: bigint, length: number): Promise<Uint8Array>;
  writeMemory(vcpu: number, addr: bigint, data: Uint8Array): Promise<void>;
  insertBreakpoint(type: BreakType, addr: bigint, length: number): Promise<void>;
  removeBreakpoint(type: BreakType, addr: bigint, length: number): Promise<void>;
  /** Resume (all-stop): `actions` per vCPU, others continue (or stay, for step-only). Resolves at the next stop. */
  resume(actions: ReadonlyMap<number, ResumeAction>, others: ResumeAction | 'stay'): Promise<StopEvent>;
  /** Ask a running target to stop; the pending resume() then resolves with reason 'interrupt'. */
  interrupt(): void;
  /** Remove every breakpoint (memory byte-identical to before) and let the guest run on without a debugger. */
  detach(): Promise<void>;
  kill(): Promise<void>;
  /** A debugger connects: stop the guest if it runs free (after a detach) and tell where it stands. */
  attach(): Promise<StopEvent>;
  /** The debugger's connection dropped without a detach: stay paused and take every breakpoint out. */
  disconnected(): Promise<void>;
}
