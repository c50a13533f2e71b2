// Local APIC register offsets and fields (SDM vol. 3 table 10-1 "Local APIC Register Address Map", 10.5.1 LVT,
// 10.6.1 ICR, 10.12.1.2 x2APIC MSR address space). Registers are 32 bits on 16-byte boundaries of the 4-KiB
// page; KVM's struct kvm_lapic_state is the first 1 KiB of that page.

export const APIC_DEFAULT_BASE = 0xfee00000;
export const LAPIC_STATE_BYTES = 1024;

export const ApicReg = {
  Id: 0x20,
  Version: 0x30,
  Tpr: 0x80,
  Apr: 0x90,
  Ppr: 0xa0,
  Eoi: 0xb0,
  Rrd: 0xc0,
  Ldr: 0xd0,
  Dfr: 0xe0,
  Svr: 0xf0,
  Isr: 0x100,
  Tmr: 0x180,
  Irr: 0x200,
  Esr: 0x280,
  IcrLow: 0x300,
  IcrHigh: 0x310,
  LvtTimer: 0x320,
  LvtThermal: 0x330,
  LvtPerf: 0x340,
  LvtLint0: 0x350,
  LvtLint1: 0x360,
  LvtError: 0x370,
  TimerInitial: 0x380,
  TimerCurrent: 0x390,
  TimerDivide: 0x3e0,
  /** x2APIC only (MSR 0x83f). */
  SelfIpi: 0x3f0,
} as const;

/** x2APIC MSR n maps to xAPIC offset (n - 0x800) << 4 (SDM 10.12.1.2). */
export const X2APIC_MSR_BASE = 0x800;
export const X2APIC_MSR_END = 0x8ff;
export const MSR_TSC_DEADLINE = 0x6e0;

/** Version register: 0x14 (an integrated APIC, KVM's value), max LVT entry 5 (timer, thermal, perf, LINT0,
 *  LINT1, error; no CMCI), no EOI-broadcast suppression (SDM 10.4.8). */
export const APIC_VERSION = 0x14 | (5 << 16);

/** LVT fields (SDM 10.5.1 figure 10-8). */
export const LVT_VECTOR = 0xff;
export const LVT_DELIVERY_MODE_SHIFT = 8;
export const LVT_REMOTE_IRR = 1 << 14;
export const LVT_LEVEL = 1 << 15;
export const LVT_MASKED = 1 << 16;
export const LVT_TIMER_MODE_SHIFT = 17;
/** Timer modes, LVT timer bits 18:17 (SDM 10.5.4 table 10-2). */
export const TimerMode = { OneShot: 0, Periodic: 1, TscDeadline: 2 } as const;

/** Writable bits per LVT (SDM figure 10-8): the timer has vector, mask and mode; LINT0/1 add delivery mode,
 *  polarity and trigger mode; thermal and perf have vector, delivery mode and mask; error vector and mask. */
export const LVT_WRITABLE: Readonly<Record<number, number>> = {
  [ApicReg.LvtTimer]: 0x700ff,
  [ApicReg.LvtThermal]: 0x107ff,
  [ApicReg.LvtPerf]: 0x107ff,
  [ApicReg.LvtLint0]: 0x1a7ff,
  [ApicReg.LvtLint1]: 0x1a7ff,
  [ApicReg.LvtError]: 0x100ff,
};
export const LVT_REGS = [
  ApicReg.LvtTimer,
  ApicReg.LvtThermal,
  ApicReg.LvtPerf,
  ApicReg.LvtLint0,
  ApicReg.LvtLint1,
  ApicReg.LvtError,
] as const;

/** Spurious-interrupt vector register (SDM 10.9 figure 10-23): vector, bit 8 APIC software enable, bit 9
 *  focus processor checking; bit 12 (EOI-broadcast suppression) is reserved without the version bit. */
export const SVR_ENABLE = 1 << 8;
export const SVR_WRITABLE = 0x3ff;

/** Error status register bits (SDM 10.5.3 figure 10-9). */
export const Esr = { SendIllegalVector: 1 << 5, ReceiveIllegalVector: 1 << 6, IllegalRegister: 1 << 7 } as const;

/** ICR fields (SDM 10.6.1 figure 10-12). */
export const ICR_DEST_LOGICAL = 1 << 11;
export const ICR_LEVEL_ASSERT = 1 << 14;
export const ICR_TRIGGER_LEVEL = 1 << 15;
export const ICR_SHORTHAND_SHIFT = 18;
/** Writable ICR low bits: vector, delivery mode, destination mode, level, trigger mode, shorthand (delivery
 *  status, bit 12, is read-only and always 0 here: a message is delivered at once). */
export const ICR_LOW_WRITABLE = 0xccfff;
export const Shorthand = { None: 0, Self: 1, AllIncludingSelf: 2, AllExcludingSelf: 3 } as const;

/** IA32_APIC_BASE (SDM 10.4.4 figure 10-5, 10.12.1): bit 8 BSP, bit 10 x2APIC enable, bit 11 global enable. */
export const ApicBase = { Bsp: 1 << 8, Extd: 1 << 10, Enable: 1 << 11 } as const;
