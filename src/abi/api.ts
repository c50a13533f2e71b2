// The contract every backend implements. Mirrors rust-vmm kvm-ioctls: Hypervisor ~ Kvm, Vm ~ VmFd, Vcpu ~ VcpuFd.
import type {
  BackendStats,
  CpuidEntry,
  DebugRegs,
  Exit,
  Fpu,
  GuestDebug,
  MsrEntry,
  Regs,
  Sregs,
  Translation,
  VcpuEvents,
} from './types.js';

export type BackendName = 'emu' | 'kvm';

/** A watchpoint outside the debug registers: `len` bytes from `addr`; 'r' = reads only (DRs cannot express it). */
export interface SoftWatch {
  addr: bigint;
  len: number;
  kind: 'r' | 'w' | 'rw';
}

/** The argument of vcpu.setSoftBreakpoints(): the complete new set (empty disarms everything). */
export interface SoftBreakpoints {
  exec?: readonly bigint[];
  watch?: readonly SoftWatch[];
}

export interface Hypervisor {
  readonly backend: BackendName;
  /** KVM_GET_API_VERSION (12 on every Linux since 2.6.22; emu answers the same). */
  apiVersion(): number;
  /** KVM_CHECK_EXTENSION: 0 when unsupported, otherwise a capability-specific value. */
  checkExtension(cap: number): number;
  /** KVM_GET_SUPPORTED_CPUID */
  supportedCpuid(): CpuidEntry[];
  createVm(): Vm;
  close(): void;
}

export interface MemoryRegionSpec {
  guestPhysAddr: bigint;
  /** Bytes; a multiple of 4 KiB. */
  size: number;
  /** KVM memslot number; defaults to the next free one. */
  slot?: number;
}

export interface MemoryRegion {
  slot: number;
  guestPhysAddr: bigint;
  size: number;
  /** The guest's RAM as host memory. Backed by a SharedArrayBuffer (emu) or an mmap (kvm): both are visible to workers. */
  memory: Uint8Array;
}

/**
 * What a worker thread needs to reach the same VM: structured-clonable. `attachVm(handle)` (src/index.ts)
 * turns it back into a Vm on which createVcpu() works in that thread.
 */
export interface VmHandle {
  backend: BackendName;
  /** kvm: the VM file descriptor (fds are process-wide, so any thread may use it). */
  vmFd?: number;
  regions: { slot: number; guestPhysAddr: bigint; size: number; hostAddress?: bigint; shared?: SharedArrayBuffer }[];
}

export interface Vm {
  readonly backend: BackendName;
  /** KVM_SET_USER_MEMORY_REGION with freshly allocated, zeroed host memory. */
  addMemory(spec: MemoryRegionSpec): Uint8Array;
  regions(): readonly MemoryRegion[];
  /** KVM_SET_TSS_ADDR / KVM_SET_IDENTITY_MAP_ADDR (needed by VMX hosts; no-ops on emu). */
  setTssAddr(addr: bigint): void;
  setIdentityMapAddr(addr: bigint): void;
  createVcpu(id: number): Vcpu;
  handle(): VmHandle;
  close(): void;
}

export interface Vcpu {
  readonly id: number;
  getRegs(): Regs;
  setRegs(regs: Regs): void;
  getSregs(): Sregs;
  setSregs(sregs: Sregs): void;
  getFpu(): Fpu;
  setFpu(fpu: Fpu): void;
  getMsrs(indices: number[]): MsrEntry[];
  setMsrs(entries: MsrEntry[]): number;
  setCpuid(entries: CpuidEntry[]): void;
  /** KVM_GET_DEBUGREGS: the guest's own debug registers (not the host's under USE_HW_BP). */
  getDebugRegs(): DebugRegs;
  setDebugRegs(regs: DebugRegs): void;
  getVcpuEvents(): VcpuEvents;
  setVcpuEvents(events: VcpuEvents): void;
  /**
   * KVM_SET_GUEST_DEBUG. Throws KvmError EBUSY to inject over a pending exception. Control bits outside
   * GUESTDBG_VALID_MASK are accepted and do nothing, as x86 KVM does (docs/guest-debug.md, "Unknown control bits").
   */
  setGuestDebug(dbg: GuestDebug): void;
  /** KVM_TRANSLATE */
  translate(linearAddress: bigint): Translation;
  /** KVM_INTERRUPT: queue an external interrupt vector (delivered when IF=1 and no shadow). */
  interrupt(vector: number): void;
  /** kvm_run.request_interrupt_window */
  setRequestInterruptWindow(on: boolean): void;
  /** kvm_run.ready_for_interrupt_injection after the last run() */
  readyForInterruptInjection(): boolean;
  /**
   * guestdbg's own, emu only (Cap.GuestdbgSoftExecBp / Cap.GuestdbgSoftWatch): replaces the vCPU's complete set of
   * breakpoints and watchpoints that use no debug register and patch no memory. A hit ends run() with
   * KVM_EXIT_DEBUG, exception 1, and the SOFT_* bits of constants.ts in dr6's upper half.
   */
  setSoftBreakpoints?(bp: SoftBreakpoints): void;
  /** After a SOFT_WATCH exit: the linear address of the access that matched. */
  softHitAddress?(): bigint;
  /** guestdbg's own, emu only: the host exception behind the last KVM_EXIT_INTERNAL_ERROR (message, then stack). */
  internalError?(): string;
  /** guestdbg's own counters for this vCPU, where the backend keeps any (emu does). */
  stats?(): BackendStats;
  /** KVM_RUN: runs until an exit. Synchronous, like the ioctl. */
  run(): Exit;
  /** kvm_run.immediate_exit plus a kick: makes the current or next run() return ExitReason.Intr. Any thread may call kicker(). */
  kicker(): VcpuKicker;
  close(): void;
}

/** Structured-clonable token another thread uses to interrupt a running vCPU (see kick() in src/index.ts). */
export interface VcpuKicker {
  backend: BackendName;
  /** emu: Int32Array[0] = 1 asks the CPU loop to stop; kvm: the kvm_run mapping address and the thread to signal. */
  flag?: SharedArrayBuffer;
  runAddress?: bigint;
  threadId?: number;
}
