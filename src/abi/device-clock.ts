// The time a device model sees: guest nanoseconds and one-shot timers on them. On emu it is the deterministic
// virtual clock (src/backends/emu/irqchip/clock.ts); a backend without one supplies its own, so devices that
// live in userspace on KVM (the CMOS RTC) are written once against this interface.

/** A one-shot timer: `arm` (re)sets its deadline, `disarm` cancels it; it fires at most once per arm. */
export interface DeviceTimer {
  arm(deadlineNs: number): void;
  disarm(): void;
  /** The armed deadline in guest nanoseconds, or undefined when not armed. */
  readonly deadline: number | undefined;
}

export interface DeviceClock {
  /** Guest time in nanoseconds since the VM was created. */
  now(): number;
  /** A timer that calls `fire` with the current guest time once its deadline has passed. */
  createTimer(fire: (nowNs: number) => void): DeviceTimer;
}

export const NS_PER_SECOND = 1_000_000_000;
