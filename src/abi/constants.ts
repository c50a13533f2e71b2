// KVM names and numbers (linux/kvm.h, arch/x86/include/uapi/asm/kvm.h). Values are the kernel's.

/** KVM_CAP_* numbers accepted by checkExtension(). */
export const Cap = {
  Irqchip: 0,
  Hlt: 1,
  UserMemory: 3,
  SetTssAddr: 4,
  ExtCpuid: 7,
  NrVcpus: 9,
  NrMemslots: 10,
  SetGuestDebug: 23,
  SetIdentityMapAddr: 37,
  AdjustClock: 39,
  VcpuEvents: 41,
  Debugregs: 50,
  Xsave: 55,
  ImmediateExit: 136,
  MaxVcpus: 66,
  SetGuestDebug2: 195,
  /** guestdbg's own: unlimited execution breakpoints that patch no memory and use no DR slot (emu only). */
  GuestdbgSoftExecBp: 0x1000_0001,
  /** guestdbg's own: unlimited read/write/access watchpoints outside DR slots, including read-only (emu only). */
  GuestdbgSoftWatch: 0x1000_0002,
} as const;
export type Cap = (typeof Cap)[keyof typeof Cap];

/** KVM_GUESTDBG_* bits of kvm_guest_debug.control. */
export const GuestDbg = {
  Enable: 0x0000_0001,
  SingleStep: 0x0000_0002,
  UseSwBp: 0x0001_0000,
  UseHwBp: 0x0002_0000,
  InjectDb: 0x0004_0000,
  InjectBp: 0x0008_0000,
  BlockIrq: 0x0010_0000,
} as const;
export type GuestDbg = (typeof GuestDbg)[keyof typeof GuestDbg];

/** KVM_GUESTDBG_VALID_MASK on x86: what KVM_CAP_SET_GUEST_DEBUG2 returns. */
export const GUESTDBG_VALID_MASK =
  GuestDbg.Enable |
  GuestDbg.SingleStep |
  GuestDbg.UseSwBp |
  GuestDbg.UseHwBp |
  GuestDbg.InjectDb |
  GuestDbg.InjectBp |
  GuestDbg.BlockIrq;

/** KVM_EXIT_* values of kvm_run.exit_reason. */
export const ExitReason = {
  Unknown: 0,
  Exception: 1,
  Io: 2,
  Hypercall: 3,
  Debug: 4,
  Hlt: 5,
  Mmio: 6,
  IrqWindowOpen: 7,
  Shutdown: 8,
  FailEntry: 9,
  Intr: 10,
  InternalError: 17,
} as const;
export type ExitReason = (typeof ExitReason)[keyof typeof ExitReason];

/** KVM_INTERNAL_ERROR_* suberrors. */
export const InternalErrorSub = {
  Emulation: 1,
  SimulEx: 2,
  DeliveryEv: 3,
  UnexpectedExitReason: 4,
} as const;

/** KVM_EXIT_IO_IN / KVM_EXIT_IO_OUT. */
export const IoDirection = { In: 0, Out: 1 } as const;
export type IoDirection = (typeof IoDirection)[keyof typeof IoDirection];

/** struct kvm_vcpu_events.flags bits. */
export const VcpuEventsFlag = {
  ValidNmiPending: 0x1,
  ValidSipiVector: 0x2,
  ValidShadow: 0x4,
  ValidSmm: 0x8,
  ValidPayload: 0x10,
} as const;

/** Interrupt-shadow bits of kvm_vcpu_events.interrupt.shadow. */
export const InterruptShadow = { MovSs: 0x1, Sti: 0x2 } as const;

/**
 * KVM_EXIT_DEBUG.dr6 bits 32-63 for guestdbg's soft breakpoints (real DR6 reserves them as zero, so a KVM-only
 * debugger never mistakes them for its own): SOFT_EXEC = an execution breakpoint (pc = its address, before the
 * instruction); SOFT_WATCH = a watchpoint (after the access, pc = next instruction), SOFT_WRITE = it was a write;
 * bits 48-63 = the index of the hit in the exec[] or watch[] array given to setSoftBreakpoints.
 */
export const SOFT_EXEC = 1n << 32n;
export const SOFT_WATCH = 1n << 33n;
export const SOFT_WRITE = 1n << 34n;
export const SOFT_INDEX_SHIFT = 48n;
