// The CMOS real-time clock at ports 0x70 (index, bit 7 = NMI disable) and 0x71 (data): a Motorola MC146818A
// (datasheet "MC146818A Real-Time Clock Plus RAM") as on the PC/AT. Its time is a start time given at creation
// plus guest time from the injected DeviceClock, so a run is reproducible; it is a userspace device on KVM too.
// Registers A-D, BCD/binary and 12/24-hour formats, the update-in-progress window, and the periodic, alarm and
// update-ended interrupts on ISA IRQ 8.
import type { DeviceClock, DeviceTimer } from '../../abi/device-clock.js';
import { NS_PER_SECOND } from '../../abi/device-clock.js';
import type { IoSize, PortDevice } from './port-device.js';
import { floatingBus } from './port-device.js';

export const RTC_INDEX_PORT = 0x70;
export const RTC_DATA_PORT = 0x71;
export const CMOS_BYTES = 128;
/** The PC's century byte (ACPI FADT.CENTURY points here). */
export const CMOS_CENTURY = 0x32;

/** Register indices (MC146818A "Address Map"). */
const R = {
  Sec: 0,
  SecAlarm: 1,
  Min: 2,
  MinAlarm: 3,
  Hour: 4,
  HourAlarm: 5,
  Wday: 6,
  Mday: 7,
  Month: 8,
  Year: 9,
} as const;
const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;

const A_UIP = 0x80;
/** DV2-0 = 010: the 32.768 kHz time base running; 11x holds the divider in reset. */
const A_DV_MASK = 0x70;
const A_DV_RUN = 0x20;
const A_RS_MASK = 0x0f;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_BINARY = 0x04;
const B_24H = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const D_VRT = 0x80;
/** Hour byte bit 7 in 12-hour mode: PM. */
const HOUR_PM = 0x80;
/** An alarm byte with bits 7:6 = 11 matches every value ("don't care", MC146818A "Alarm"). */
const ALARM_DONT_CARE = 0xc0;
/** UIP rises 244 us before the update cycle, which lasts 1984 us at 32.768 kHz; the new time is readable
 *  when it ends (MC146818A "Update Cycle", register A UIP). */
const UIP_BEFORE_UPDATE_NS = 244_000;
const UPDATE_CYCLE_NS = 1_984_000;
/** The divider leaves reset and "the first update cycle begins one-half second later" (MC146818A DV bits). */
const FIRST_UPDATE_AFTER_RESET_NS = 500_000_000;
const TIME_BASE_HZ = 32768;

export interface CmosRtcState {
  ram: Uint8Array;
  index: number;
  nmiDisabled: boolean;
  /** RTC time (Unix seconds) at guest time `baseNs`, counted on from there while the clock runs. */
  baseSeconds: number;
  baseNs: number;
  /** Guest time of an update boundary: updates fall at phaseNs + k seconds. */
  phaseNs: number;
  /** Flags of register C folded in up to this guest time. */
  foldedNs: number;
  irq: boolean;
}

export interface CmosRtcOptions {
  clock: DeviceClock;
  /** The RTC's time at guest time 0, in Unix seconds (UTC). */
  startSeconds: number;
  /** IRQ8: asserted while register C's IRQF is set. */
  irq: (level: boolean) => void;
}

const toBcd = (v: number): number => ((v / 10) << 4) | (v % 10);
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 0xf);
/** Periodic interrupt rate select: RS 1 and 2 give 256 and 128 Hz, RS n >= 3 gives 65536 >> n Hz
 *  (MC146818A table "Periodic Interrupt Rate"); 0 = off. As a period in 32.768 kHz cycles. */
const periodCycles = (rs: number): number => (rs === 0 ? 0 : rs < 3 ? 1 << (rs + 6) : 1 << (rs - 1));
const cyclesAt = (ns: number): bigint => (BigInt(ns) * BigInt(TIME_BASE_HZ)) / BigInt(NS_PER_SECOND);
const nsOfCycle = (c: bigint): number =>
  Number((c * BigInt(NS_PER_SECOND) + BigInt(TIME_BASE_HZ - 1)) / BigInt(TIME_BASE_HZ));

export class CmosRtc implements PortDevice {
  readonly name = 'CMOS RTC';
  private ram = new Uint8Array(CMOS_BYTES);
  private index = 0;
  private nmiDisabled = false;
  private baseSeconds: number;
  private baseNs = 0;
  private phaseNs = 0;
  private foldedNs = 0;
  private irqLevel = false;
  private readonly clock: DeviceClock;
  private readonly irq: (level: boolean) => void;
  private readonly timer: DeviceTimer;

  constructor(o: CmosRtcOptions) {
    this.clock = o.clock;
    this.irq = o.irq;
    this.baseSeconds = o.startSeconds;
    this.timer = o.clock.createTimer(() => this.onTimer());
    // Power-on values a PC BIOS leaves: 32.768 kHz base with RS = 0110 (1024 Hz), 24-hour BCD, VRT set.
    this.ram[REG_A] = A_DV_RUN | 0x06;
    this.ram[REG_B] = B_24H;
    this.ram[REG_D] = D_VRT;
  }

  /** NMI enable as set through port 0x70 bit 7, for the CPU's NMI line. */
  get nmiEnabled(): boolean {
    return !this.nmiDisabled;
  }

  private get running(): boolean {
    return (this.ram[REG_B]! & B_SET) === 0 && (this.ram[REG_A]! & A_DV_MASK) === A_DV_RUN;
  }

  /** Update boundaries (k >= 1) passed in (from, to]. */
  private updatesBetween(from: number, to: number): number {
    return Math.floor((to - this.phaseNs) / NS_PER_SECOND) - Math.floor((from - this.phaseNs) / NS_PER_SECOND);
  }

  private secondsAt(ns: number): number {
    return this.running ? this.baseSeconds + this.updatesBetween(this.baseNs, ns) : this.baseSeconds;
  }

  /** The next update boundary after `ns`. */
  private nextUpdate(ns: number): number {
    return this.phaseNs + (Math.floor((ns - this.phaseNs) / NS_PER_SECOND) + 1) * NS_PER_SECOND;
  }

  // --- formats ---------------------------------------------------------------------------------------------

  private encode(v: number): number {
    return this.ram[REG_B]! & B_BINARY ? v : toBcd(v);
  }

  private decode(v: number): number {
    return this.ram[REG_B]! & B_BINARY ? v : fromBcd(v);
  }

  private encodeHour(h: number): number {
    if (this.ram[REG_B]! & B_24H) return this.encode(h);
    return this.encode(h % 12 === 0 ? 12 : h % 12) | (h >= 12 ? HOUR_PM : 0);
  }

  private decodeHour(v: number): number {
    if (this.ram[REG_B]! & B_24H) return this.decode(v);
    return (this.decode(v & ~HOUR_PM) % 12) + (v & HOUR_PM ? 12 : 0);
  }

  /** The time registers for Unix time `s`; day of week 1-7 from Sunday (MC146818A "Time, Calendar"). */
  private timeRegs(s: number): number[] {
    const d = new Date(s * 1000);
    const year = d.getUTCFullYear();
    const regs = [];
    regs[R.Sec] = this.encode(d.getUTCSeconds());
    regs[R.Min] = this.encode(d.getUTCMinutes());
    regs[R.Hour] = this.encodeHour(d.getUTCHours());
    regs[R.Wday] = this.encode(d.getUTCDay() + 1);
    regs[R.Mday] = this.encode(d.getUTCDate());
    regs[R.Month] = this.encode(d.getUTCMonth() + 1);
    regs[R.Year] = this.encode(year % 100);
    regs[CMOS_CENTURY] = this.encode(Math.floor(year / 100));
    return regs;
  }

  /** A guest write to a time register: the other fields keep their value, the time restarts from it. The day
   *  of week follows from the date (a written value is not kept). */
  private writeTime(index: number, value: number): void {
    const now = this.clock.now();
    const d = new Date(this.secondsAt(now) * 1000);
    const fields = [
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ];
    const century = Math.floor(fields[0]! / 100);
    const v = index === R.Hour ? this.decodeHour(value) : this.decode(value);
    if (index === R.Year) fields[0] = century * 100 + v;
    else if (index === CMOS_CENTURY) fields[0] = v * 100 + (fields[0]! % 100);
    else if (index === R.Month) fields[1] = v - 1;
    else if (index === R.Mday) fields[2] = v;
    else if (index === R.Hour) fields[3] = v;
    else if (index === R.Min) fields[4] = v;
    else if (index === R.Sec) fields[5] = v;
    else return;
    const [y, mo, da, h, mi, se] = fields as [number, number, number, number, number, number];
    this.baseSeconds = Date.UTC(y, mo, da, h, mi, se) / 1000;
    this.baseNs = now;
  }

  private alarmMatches(s: number): boolean {
    const t = this.timeRegs(s);
    return [R.Sec, R.Min, R.Hour].every((f) => {
      const alarm = this.ram[f + 1]!;
      return (alarm & ALARM_DONT_CARE) === ALARM_DONT_CARE || alarm === t[f];
    });
  }

  /** The first update boundary in (from, to] whose new time matches the alarm, if any (a day at most apart). */
  private alarmBetween(from: number, to: number): number | undefined {
    let b = this.nextUpdate(from);
    for (let i = 0; b <= to && i < 86400; i++, b += NS_PER_SECOND) if (this.alarmMatches(this.secondsAt(b))) return b;
    return undefined;
  }

  // --- register C flags and IRQ8 ---------------------------------------------------------------------------

  /** Sets PF, UF and AF for the events in (foldedNs, now]: PF at every periodic boundary whether or not PIE is
   *  set, UF at the end of every update cycle, AF at an update whose time matches the alarm (MC146818A
   *  register C). Then IRQF = PF&PIE | AF&AIE | UF&UIE drives IRQ8. */
  private fold(now: number): void {
    const from = this.foldedNs;
    this.foldedNs = now;
    let c = this.ram[REG_C]!;
    const rs = periodCycles(this.ram[REG_A]! & A_RS_MASK);
    const divRunning = (this.ram[REG_A]! & A_DV_MASK) === A_DV_RUN;
    if (divRunning && rs && cyclesAt(now) / BigInt(rs) > cyclesAt(from) / BigInt(rs)) c |= C_PF;
    if (this.running && this.updatesBetween(from, now) > 0) {
      c |= C_UF;
      if (this.alarmBetween(from, now) !== undefined) c |= C_AF;
    }
    const b = this.ram[REG_B]!;
    if ((c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE)) c |= C_IRQF;
    this.ram[REG_C] = c;
    this.setIrq((c & C_IRQF) !== 0);
  }

  private setIrq(level: boolean): void {
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq(level);
  }

  /** Arms the timer for the next event whose interrupt is enabled; disabled ones are folded in lazily. */
  private arm(): void {
    const now = this.clock.now();
    const b = this.ram[REG_B]!;
    let next = Number.POSITIVE_INFINITY;
    const rs = periodCycles(this.ram[REG_A]! & A_RS_MASK);
    if (b & B_PIE && rs && (this.ram[REG_A]! & A_DV_MASK) === A_DV_RUN)
      next = nsOfCycle((cyclesAt(now) / BigInt(rs) + 1n) * BigInt(rs));
    if (this.running && b & B_UIE) next = Math.min(next, this.nextUpdate(now));
    if (this.running && b & B_AIE) {
      const a = this.alarmBetween(now, now + 86400 * NS_PER_SECOND);
      if (a !== undefined) next = Math.min(next, a);
    }
    if (next === Number.POSITIVE_INFINITY) this.timer.disarm();
    else this.timer.arm(next);
  }

  private onTimer(): void {
    this.fold(this.clock.now());
    this.arm();
  }

  // --- ports -----------------------------------------------------------------------------------------------

  private readRegister(index: number): number {
    const now = this.clock.now();
    if (index <= R.Year || index === CMOS_CENTURY) {
      if (index === R.SecAlarm || index === R.MinAlarm || index === R.HourAlarm) return this.ram[index]!;
      return this.timeRegs(this.secondsAt(now))[index]!;
    }
    if (index === REG_A) {
      const toUpdate = this.nextUpdate(now) - now;
      const uip = this.running && toUpdate <= UPDATE_CYCLE_NS + UIP_BEFORE_UPDATE_NS;
      return (this.ram[REG_A]! & ~A_UIP) | (uip ? A_UIP : 0);
    }
    if (index === REG_C) {
      // Reading C returns the flags and clears them, which deasserts IRQ8.
      this.fold(now);
      const c = this.ram[REG_C]!;
      this.ram[REG_C] = 0;
      this.setIrq(false);
      return c;
    }
    return this.ram[index]!;
  }

  private writeRegister(index: number, value: number): void {
    const now = this.clock.now();
    this.fold(now);
    if (index === REG_C || index === REG_D) return; // read-only
    if (index <= R.Year || index === CMOS_CENTURY) {
      if (index === R.SecAlarm || index === R.MinAlarm || index === R.HourAlarm) this.ram[index] = value;
      else if (index !== R.Wday) this.writeTime(index, value);
      this.arm();
      return;
    }
    if (index === REG_A || index === REG_B) this.writeControl(index, value, now);
    else this.ram[index] = value;
    this.arm();
  }

  /** Registers A and B: leaving SET or divider reset restarts the time from its registers (after reset the
   *  first update comes half a second later); setting SET clears UIE (MC146818A register B, SET bit). */
  private writeControl(index: number, value: number, now: number): void {
    const wasRunning = this.running;
    const wasReset = (this.ram[REG_A]! & A_DV_MASK) !== A_DV_RUN;
    if (wasRunning) this.baseSeconds = this.secondsAt(now);
    if (index === REG_A) {
      this.ram[REG_A] = value & ~A_UIP;
    } else {
      this.ram[REG_B] = value & B_SET ? value & ~B_UIE : value;
    }
    if (wasReset && (this.ram[REG_A]! & A_DV_MASK) === A_DV_RUN)
      this.phaseNs = now + FIRST_UPDATE_AFTER_RESET_NS - NS_PER_SECOND;
    this.baseNs = now;
    const b = this.ram[REG_B]!;
    const c = this.ram[REG_C]!;
    // Enabling an interrupt whose flag is already set raises IRQF at once.
    if ((c & C_PF && b & B_PIE) || (c & C_AF && b & B_AIE) || (c & C_UF && b & B_UIE)) {
      this.ram[REG_C] = c | C_IRQF;
      this.setIrq(true);
    }
  }

  read(port: number, size: IoSize): number {
    // Port 0x70 is write-only on the PC; a read sees the floating bus.
    if (port !== RTC_DATA_PORT || size !== 1) return floatingBus(size);
    return this.readRegister(this.index);
  }

  write(port: number, size: IoSize, value: number): undefined {
    if (size !== 1) return undefined;
    if (port === RTC_INDEX_PORT) {
      this.index = value & (CMOS_BYTES - 1);
      this.nmiDisabled = (value & 0x80) !== 0;
    } else {
      this.writeRegister(this.index, value & 0xff);
    }
    return undefined;
  }

  save(): CmosRtcState {
    return {
      ram: this.ram.slice(),
      index: this.index,
      nmiDisabled: this.nmiDisabled,
      baseSeconds: this.baseSeconds,
      baseNs: this.baseNs,
      phaseNs: this.phaseNs,
      foldedNs: this.foldedNs,
      irq: this.irqLevel,
    };
  }

  restore(s: CmosRtcState): void {
    this.ram = s.ram.slice();
    this.index = s.index;
    this.nmiDisabled = s.nmiDisabled;
    this.baseSeconds = s.baseSeconds;
    this.baseNs = s.baseNs;
    this.phaseNs = s.phaseNs;
    this.foldedNs = s.foldedNs;
    this.irqLevel = s.irq;
    this.arm();
  }
}
