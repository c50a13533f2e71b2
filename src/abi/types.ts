// Plain data shapes of the KVM API (struct kvm_regs, kvm_sregs, ...). 64-bit fields are bigint at this boundary.
import type { ExitReason, IoDirection } from './constants.js';

/** struct kvm_regs */
export interface Regs {
  rax: bigint;
  rbx: bigint;
  rcx: bigint;
  rdx: bigint;
  rsi: bigint;
  rdi: bigint;
  rsp: bigint;
  rbp: bigint;
  r8: bigint;
  r9: bigint;
  r10: bigint;
  r11: bigint;
  r12: bigint;
  r13: bigint;
  r14: bigint;
  r15: bigint;
  rip: bigint;
  rflags: bigint;
}

/** The order of struct kvm_regs, for codecs and loops. */
export const REG_NAMES = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rsp',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'rflags',
] as const satisfies readonly (keyof Regs)[];

/** struct kvm_segment */
export interface Segment {
  base: bigint;
  limit: number;
  selector: number;
  type: number;
  present: number;
  dpl: number;
  db: number;
  s: number;
  l: number;
  g: number;
  avl: number;
  unusable: number;
}

/** struct kvm_dtable */
export interface DescriptorTable {
  base: bigint;
  limit: number;
}

/** struct kvm_sregs (interrupt_bitmap omitted: guestdbg never uses the in-kernel irqchip's bitmap) */
export interface Sregs {
  cs: Segment;
  ds: Segment;
  es: Segment;
  fs: Segment;
  gs: Segment;
  ss: Segment;
  tr: Segment;
  ldt: Segment;
  gdt: DescriptorTable;
  idt: DescriptorTable;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  cr8: bigint;
  efer: bigint;
  apicBase: bigint;
}

/** struct kvm_debugregs: the guest's own DR0-3, DR6, DR7. */
export interface DebugRegs {
  db: [bigint, bigint, bigint, bigint];
  dr6: bigint;
  dr7: bigint;
  flags: number;
}

/** struct kvm_guest_debug: control bits and the host's debugreg[0..7] (4,5 unused). */
export interface GuestDebug {
  control: number;
  debugreg: bigint[];
}

/** struct kvm_debug_exit_arch */
export interface DebugExitArch {
  exception: number;
  pc: bigint;
  dr6: bigint;
  dr7: bigint;
}

/** struct kvm_vcpu_events (the parts guestdbg uses). */
export interface VcpuEvents {
  exception: {
    injected: number;
    nr: number;
    hasErrorCode: number;
    pending: number;
    errorCode: number;
  };
  interrupt: { injected: number; nr: number; soft: number; shadow: number };
  nmi: { injected: number; pending: number; masked: number };
  sipiVector: number;
  flags: number;
  exceptionHasPayload: number;
  exceptionPayload: bigint;
}

/** struct kvm_fpu (x87 + SSE state). */
export interface Fpu {
  fpr: Uint8Array[]; // 8 x 16 bytes (80-bit value in the low 10)
  fcw: number;
  fsw: number;
  ftwx: number;
  lastOpcode: number;
  lastIp: bigint;
  lastDp: bigint;
  xmm: Uint8Array[]; // 16 x 16 bytes
  mxcsr: number;
}

/** One MSR index/value pair (struct kvm_msr_entry). */
export interface MsrEntry {
  index: number;
  data: bigint;
}

/** What a backend counts about one vCPU (guestdbg's own; `guestdbg run --stats`). */
export interface BackendStats {
  /** Instructions retired (emu; hardware virtualization cannot count them). */
  retired?: number;
  /** Instructions the CPU does not implement, by name, with how often the guest hit them (each raised #UD). */
  unimplemented: Record<string, number>;
  /** Opcodes that do not decode ("0f 0b"-style), with counts (each raised #UD). */
  undecodable: Record<string, number>;
  /** emu's region compiler (jit/): regions compiled, dropped because their code changed, and the instructions
   *  retired inside compiled regions (the rest were interpreted). */
  blocks?: { compiled: number; invalidated: number; retired: number };
}

/** struct kvm_translation */
export interface Translation {
  linearAddress: bigint;
  physicalAddress: bigint;
  valid: boolean;
  writeable: boolean;
  usermode: boolean;
}

/** struct kvm_cpuid_entry2 */
export interface CpuidEntry {
  function: number;
  index: number;
  flags: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export interface IoExit {
  direction: IoDirection;
  size: 1 | 2 | 4;
  port: number;
  count: number;
  /** OUT: the bytes the guest wrote (size * count). IN: fill these; they are read back on the next run(). */
  data: Uint8Array;
}

export interface MmioExit {
  physAddr: bigint;
  /** Write: the bytes written. Read: fill these; they are read back on the next run(). */
  data: Uint8Array;
  isWrite: boolean;
}

/** What vcpu.run() returns: one variant per exit reason. */
export type Exit =
  | { reason: typeof ExitReason.Io; io: IoExit }
  | { reason: typeof ExitReason.Mmio; mmio: MmioExit }
  | { reason: typeof ExitReason.Debug; debug: DebugExitArch }
  | { reason: typeof ExitReason.Hlt }
  | { reason: typeof ExitReason.Shutdown }
  | { reason: typeof ExitReason.Intr }
  | { reason: typeof ExitReason.IrqWindowOpen }
  | { reason: typeof ExitReason.FailEntry; hardwareEntryFailureReason: bigint; cpu: number }
  | { reason: typeof ExitReason.InternalError; suberror: number; data: bigint[] }
  | { reason: typeof ExitReason.Unknown; hardwareExitReason: bigint }
  | { reason: typeof ExitReason.Exception; exception: number; errorCode: number };
