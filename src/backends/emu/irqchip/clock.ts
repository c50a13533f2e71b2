// The deterministic virtual clock: guest time is derived from retired instructions, never from the host.
// Nominal rate: one retired instruction = one nanosecond, i.e. a 1 GHz TSC. Why 1 GHz: TSC ticks, APIC-timer
// input ticks (KVM's default APIC bus cycle is 1 ns too) and nanoseconds are the same integer, so no timer
// ever rounds; CPUID 0x15/0x16 can state the frequency exactly; and it is the same order as the emu's real
// speed (0.05-2.5 G instructions/s), so a guest's timeouts last about as long in host time as it expects.
// HLT with interrupts enabled jumps the clock to `nextDeadline()`; a vCPU stopped in the debugger retires
// nothing, so no guest time passes while it is stopped.
import type { DeviceClock, DeviceTimer } from '../../../abi/device-clock.js';

export const NS_PER_INSTRUCTION = 1;
/** The nominal TSC rate that follows from NS_PER_INSTRUCTION, for CPUID 0x15/0x16. */
export const TSC_HZ = 1_000_000_000 / NS_PER_INSTRUCTION;

export interface VirtualClockState {
  nowNs: number;
}

class Timer implements DeviceTimer {
  deadline: number | undefined = undefined;
  /** Arming order, so timers with equal deadlines fire in a fixed order. */
  seq = 0;

  constructor(
    private readonly clock: VirtualClock,
    readonly fire: (nowNs: number) => void,
  ) {}

  arm(deadlineNs: number): void {
    this.deadline = deadlineNs;
    this.seq = this.clock.armed(deadlineNs);
  }

  disarm(): void {
    this.deadline = undefined;
  }
}

export class VirtualClock implements DeviceClock {
  private nowNs = 0;
  private seq = 0;
  /** No timer is due before this (it may be earlier than the real next deadline after a disarm). */
  private earliest = Number.POSITIVE_INFINITY;
  private readonly timers: Timer[] = [];

  now(): number {
    return this.nowNs;
  }

  createTimer(fire: (nowNs: number) => void): DeviceTimer {
    const t = new Timer(this, fire);
    this.timers.push(t);
    return t;
  }

  /** A timer was armed: returns its arming sequence number. */
  armed(deadlineNs: number): number {
    if (deadlineNs < this.earliest) this.earliest = deadlineNs;
    return ++this.seq;
  }

  /** Accounts `count` retired instructions, then fires every timer that became due (one comparison when none
   *  is: the run loop may call this after every block). */
  retire(count: number): void {
    this.nowNs += count * NS_PER_INSTRUCTION;
    if (this.nowNs >= this.earliest) this.fireDue();
  }

  /** The earliest armed deadline, or Infinity: how far HLT may jump. */
  nextDeadline(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.timers) if (t.deadline !== undefined && t.deadline < next) next = t.deadline;
    return next;
  }

  /** HLT with interrupts enabled: time jumps to the next deadline (never backwards) and that timer fires.
   *  Returns false when no timer is armed (the halt would last forever). */
  idleToNextDeadline(): boolean {
    const next = this.nextDeadline();
    if (next === Number.POSITIVE_INFINITY) return false;
    if (next > this.nowNs) this.nowNs = next;
    this.fireDue();
    return true;
  }

  /** Fires due timers in deadline order (ties: the earlier armed first); a callback may re-arm its timer. */
  private fireDue(): void {
    for (;;) {
      let due: Timer | undefined;
      for (const t of this.timers) {
        if (t.deadline === undefined || t.deadline > this.nowNs) continue;
        if (due === undefined || t.deadline < due.deadline! || (t.deadline === due.deadline && t.seq < due.seq))
          due = t;
      }
      if (due === undefined) {
        this.earliest = this.nextDeadline();
        return;
      }
      due.deadline = undefined;
      due.fire(this.nowNs);
    }
  }

  /** Only the time itself: each device saves its own deadlines and re-arms them on restore. */
  save(): VirtualClockState {
    return { nowNs: this.nowNs };
  }

  restore(s: VirtualClockState): void {
    this.nowNs = s.nowNs;
    this.earliest = this.nextDeadline();
  }
}
