// The local APIC timer (SDM vol. 3 10.5.4): one-shot and periodic count down the initial count at the input
// clock divided by the divide configuration; TSC-deadline fires when the TSC reaches IA32_TSC_DEADLINE. The
// input clock is the 1 GHz virtual clock itself (one tick per nanosecond, as KVM's default 1-ns APIC bus
// cycle), so CPUID 0x15 can state it as the core crystal and Linux needs no calibration.
import type { DeviceClock, DeviceTimer } from '../../../abi/device-clock.js';
import { TimerMode } from './lapic-regs.js';

/** Divide configuration bits 0, 1, 3: value 0b111 divides by 1, n by 2^(n+1) (SDM 10.5.4 figure 10-10). */
export function divisorOf(dcr: number): number {
  const n = ((dcr >> 1) & 4) | (dcr & 3);
  return n === 7 ? 1 : 2 << n;
}

export interface ApicTimerState {
  mode: number;
  initialCount: number;
  divisor: number;
  /** Guest ns when the current count was last loaded with the initial count (one-shot and periodic). */
  startNs: number;
  /** IA32_TSC_DEADLINE; 0 = disarmed. */
  tscDeadline: bigint;
  /** Whether a one-shot count has not reached 0 or a deadline is pending. */
  running: boolean;
}

export class ApicTimer {
  private s: ApicTimerState = { mode: 0, initialCount: 0, divisor: 2, startNs: 0, tscDeadline: 0n, running: false };
  private readonly timer: DeviceTimer;

  constructor(
    private readonly clock: DeviceClock,
    private readonly expired: () => void,
    /** TSC minus guest ns (the vCPU's TSC offset): the TSC runs at 1 GHz like the clock. */
    private readonly tscOffset: () => bigint,
  ) {
    this.timer = clock.createTimer(() => this.onDeadline());
  }

  private get periodNs(): number {
    return this.s.initialCount * this.s.divisor;
  }

  /** LVT timer mode change. Entering or leaving TSC-deadline mode disarms the timer (SDM 10.5.4.1); like KVM we
   *  also zero the initial count and the deadline. Between one-shot and periodic the count carries on from
   *  where it is, and a one-shot count that already reached 0 stays there (what kvm-unit-tests'
   *  test_apic_change_mode checks on KVM and bare metal). */
  setMode(mode: number): void {
    const s = this.s;
    if (mode === s.mode) return;
    if ((mode === TimerMode.TscDeadline) !== (s.mode === TimerMode.TscDeadline)) {
      this.s = { ...s, mode, initialCount: 0, tscDeadline: 0n, running: false };
      this.timer.disarm();
      return;
    }
    // Periodic -> one-shot: the current period becomes the one-shot count-down.
    if (s.running && s.mode === TimerMode.Periodic) {
      const now = this.clock.now();
      s.startNs = now - ((now - s.startNs) % this.periodNs);
    }
    s.mode = mode;
    this.arm();
  }

  /** A write of the initial count starts the count-down; 0 stops the timer. Ignored in TSC-deadline mode
   *  (SDM 10.5.4.1). */
  setInitialCount(count: number): void {
    if (this.s.mode === TimerMode.TscDeadline) return;
    this.s.initialCount = count >>> 0;
    this.s.startNs = this.clock.now();
    this.s.running = count !== 0;
    this.arm();
  }

  get initialCount(): number {
    return this.s.mode === TimerMode.TscDeadline ? 0 : this.s.initialCount;
  }

  /** The divisor changes the rate from now on; the current count carries over. */
  setDivide(dcr: number): void {
    const current = this.currentCount();
    this.s.divisor = divisorOf(dcr);
    if (!this.s.running) return;
    this.s.startNs = this.clock.now() - (this.s.initialCount - current) * this.s.divisor;
    this.arm();
  }

  /** "The current count ... reaches zero ... in one-shot mode ... remains at zero; periodic mode reloads
   *  the initial count" (SDM 10.5.4); always 0 in TSC-deadline mode. */
  currentCount(): number {
    const s = this.s;
    if (s.mode === TimerMode.TscDeadline || !s.running) return 0;
    let elapsed = this.clock.now() - s.startNs;
    if (s.mode === TimerMode.Periodic) elapsed %= this.periodNs;
    else if (elapsed >= this.periodNs) return 0;
    return s.initialCount - Math.floor(elapsed / s.divisor);
  }

  /** IA32_TSC_DEADLINE write: arms (0 disarms); a deadline already passed fires at once (SDM 10.5.4.1).
   *  Ignored outside TSC-deadline mode. */
  setTscDeadline(value: bigint): void {
    if (this.s.mode !== TimerMode.TscDeadline) return;
    this.s.tscDeadline = value;
    this.s.running = value !== 0n;
    this.arm();
  }

  get tscDeadline(): bigint {
    return this.s.mode === TimerMode.TscDeadline ? this.s.tscDeadline : 0n;
  }

  private arm(): void {
    const s = this.s;
    if (!s.running) {
      this.timer.disarm();
      return;
    }
    if (s.mode === TimerMode.TscDeadline) {
      const ns = s.tscDeadline - this.tscOffset();
      if (ns <= BigInt(this.clock.now())) {
        this.onDeadline();
        return;
      }
      this.timer.arm(ns > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(ns));
      return;
    }
    this.timer.arm(s.startNs + this.periodNs);
  }

  private onDeadline(): void {
    const s = this.s;
    if (s.mode === TimerMode.Periodic) {
      s.startNs += this.periodNs;
      this.arm();
    } else {
      // One-shot stops at 0; TSC-deadline "disarms itself and clears IA32_TSC_DEADLINE" (SDM 10.5.4.1).
      s.running = false;
      s.tscDeadline = 0n;
    }
    this.expired();
  }

  save(): ApicTimerState {
    return { ...this.s };
  }

  restore(s: ApicTimerState): void {
    this.s = { ...s };
    this.arm();
  }

  /** Power-up: initial count 0, divide configuration 0 (divide by 2), one-shot (SDM 10.12.5.1 / 10.4.7.1). */
  reset(): void {
    this.s = { mode: 0, initialCount: 0, divisor: 2, startNs: 0, tscDeadline: 0n, running: false };
    this.timer.disarm();
  }
}
