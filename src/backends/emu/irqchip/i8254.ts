// The 8254 programmable interval timer (Intel 8254 datasheet, order 231164) at ports 0x40-0x43, and port 0x61
// (PC "system control port B": channel 2's gate, the speaker enable, channel 2's OUT, the refresh toggle).
// The counters run at 1.193182 MHz on the virtual clock; channel 0's OUT drives IRQ0. The state has the fields
// of KVM's struct kvm_pit_channel_state (KVM_GET_PIT2), plus the null-count bit and a paused count.
import type { DeviceClock, DeviceTimer } from '../../../abi/device-clock.js';
import { NS_PER_SECOND } from '../../../abi/device-clock.js';

export const PIT_PORT = 0x40;
export const PIT_CONTROL_PORT = 0x43;
export const PORT_B = 0x61;
/** The PC's PIT input clock, 14.31818 MHz / 12, as KVM and Linux (PIT_TICK_RATE) round it. */
export const PIT_HZ = 1_193_182;
/** Port 0x61 bit 4 toggles with every DRAM refresh request, every 15.085 us on the PC/AT. */
const REFRESH_PERIOD_NS = 15_085;

/** Read/write states of a counter's byte sequence (control word bits 5:4 and the LSB-then-MSB toggle). */
const Rw = { Latch: 0, Lsb: 1, Msb: 2, Word0: 3, Word1: 4 } as const;

export interface PitChannelState {
  /** The initial count N (1..65536; a written 0 means 65536, or 10000 in BCD). */
  count: number;
  latchedCount: number;
  countLatched: number;
  statusLatched: number;
  status: number;
  readState: number;
  writeState: number;
  writeLatch: number;
  rwMode: number;
  mode: number;
  bcd: number;
  gate: number;
  /** Guest ns when the count was loaded (or counting resumed). */
  countLoadTime: number;
  /** Status bit 6: set by a control word, cleared once a count is written. */
  nullCount: number;
  /** Whether a count has been written since the last control word. */
  loaded: number;
  /** Elapsed counts while counting is suspended by a low gate (modes 0 and 4), else -1. */
  pausedTicks: number;
}

export interface PitState {
  channels: PitChannelState[];
  /** Port 0x61 bits 3:1 as written (bit 0 is channel 2's gate). */
  portB: number;
  /** Channel 0's OUT as last driven onto IRQ0. */
  irq0: boolean;
}

function resetChannel(gate: number): PitChannelState {
  return {
    count: 0x10000,
    latchedCount: 0,
    countLatched: 0,
    statusLatched: 0,
    status: 0,
    readState: Rw.Lsb,
    writeState: Rw.Lsb,
    writeLatch: 0,
    rwMode: Rw.Lsb,
    mode: 0,
    bcd: 0,
    gate,
    countLoadTime: 0,
    nullCount: 1,
    loaded: 0,
    pausedTicks: -1,
  };
}

const toBcd = (v: number): number =>
  (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
const fromBcd = (v: number): number =>
  (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;

const ticksIn = (ns: number): number => Number((BigInt(ns) * BigInt(PIT_HZ)) / BigInt(NS_PER_SECOND));
/** The first nanosecond at which `ticks` counts have elapsed. */
const nsFor = (ticks: number): number =>
  Number((BigInt(ticks) * BigInt(NS_PER_SECOND) + BigInt(PIT_HZ - 1)) / BigInt(PIT_HZ));

export class Pit {
  private ch: PitChannelState[] = [resetChannel(1), resetChannel(1), resetChannel(0)];
  private portB = 0;
  private irq0Level = false;
  private readonly timer: DeviceTimer;

  constructor(
    private readonly clock: DeviceClock,
    /** Channel 0's OUT: IRQ0 on the PIC, GSI 2 on the IOAPIC. */
    private readonly irq0: (level: boolean) => void,
  ) {
    this.timer = clock.createTimer(() => this.onEdge());
  }

  handles(port: number): boolean {
    return (port >= PIT_PORT && port <= PIT_CONTROL_PORT) || port === PORT_B;
  }

  private elapsed(c: PitChannelState): number {
    return c.pausedTicks >= 0 ? c.pausedTicks : ticksIn(this.clock.now() - c.countLoadTime);
  }

  /** The counting element after `d` counts (8254 "Mode Definitions"): modes 0, 1, 4, 5 count down and wrap;
   *  mode 2 reloads after 1; mode 3 counts down by two each half period (odd counts approximated as even, as
   *  KVM and QEMU do). */
  private counter(c: PitChannelState, d: number): number {
    const modulus = c.bcd ? 10000 : 0x10000;
    switch (c.mode) {
      case 2:
        return c.count - (d % c.count);
      case 3:
        return c.count - ((2 * d) % c.count);
      default:
        return (((c.count - d) % modulus) + modulus) % modulus;
    }
  }

  /** OUT after `d` counts (8254 "Mode Definitions"): mode 0 low until terminal count, then high; mode 1 low for
   *  the one-shot; mode 2 low for the one count at 1; mode 3 high for the first half (ceil(N/2)); modes 4, 5
   *  low for the one count after 0. Before a count is written: low in mode 0, high otherwise. Mode 2 and 3 with
   *  the gate low: high. */
  private out(c: PitChannelState): boolean {
    const mode = c.mode;
    if (!c.loaded) return mode !== 0;
    if (!c.gate && (mode === 2 || mode === 3)) return true;
    const d = this.elapsed(c);
    switch (mode) {
      case 0:
      case 1:
        return d >= c.count;
      case 2:
        return d % c.count !== c.count - 1;
      case 3:
        return d % c.count < Math.ceil(c.count / 2);
      default:
        return d !== c.count;
    }
  }

  /** Counts after the load at which channel 0's OUT next rises, or undefined: the terminal count in modes 0, 1;
   *  every N counts in modes 2, 3; once one count after 0 in modes 4, 5. */
  private nextRise(c: PitChannelState): number | undefined {
    if (!c.loaded || c.pausedTicks >= 0 || (!c.gate && c.mode !== 1 && c.mode !== 5)) return undefined;
    const d = this.elapsed(c);
    switch (c.mode) {
      case 0:
      case 1:
        return d < c.count ? c.count : undefined;
      case 2:
      case 3:
        return (Math.floor(d / c.count) + 1) * c.count;
      default:
        return d <= c.count ? c.count + 1 : undefined;
    }
  }

  private setIrq0(level: boolean): void {
    if (level === this.irq0Level) return;
    this.irq0Level = level;
    this.irq0(level);
  }

  /** Re-evaluates channel 0 after a change: in modes 0 and 1 IRQ0 follows OUT; the other modes pulse it at
   *  each rising edge and hold it low between. Then arms the timer for the next rising edge. */
  private update0(): void {
    const c = this.ch[0]!;
    this.setIrq0((c.mode === 0 || c.mode === 1) && this.out(c));
    this.armEdge();
  }

  private armEdge(): void {
    const c = this.ch[0]!;
    const rise = this.nextRise(c);
    if (rise === undefined) this.timer.disarm();
    else this.timer.arm(c.countLoadTime + nsFor(rise));
  }

  /** Channel 0's OUT rises: modes 0 and 1 hold IRQ0 high until reprogrammed; the periodic and strobe modes give a
   *  pulse (OUT is low again within a count or half a period), which an edge-triggered input latches. */
  private onEdge(): void {
    const c = this.ch[0]!;
    if (c.mode === 0 || c.mode === 1) {
      this.setIrq0(true);
    } else {
      this.setIrq0(false);
      this.setIrq0(true);
      this.setIrq0(false);
    }
    this.armEdge();
  }

  private writeControl(v: number): void {
    const sel = v >> 6;
    if (sel === 3) {
      // Read-back (8254 "Read-Back Command"): bit 5 = 0 latches the count, bit 4 = 0 latches the status, bits
      // 3:1 select counters 2, 1, 0.
      for (let i = 0; i < 3; i++) {
        if ((v & (2 << i)) === 0) continue;
        const c = this.ch[i]!;
        if ((v & 0x20) === 0) this.latchCount(c);
        if ((v & 0x10) === 0 && !c.statusLatched) {
          c.status = ((this.out(c) ? 1 : 0) << 7) | (c.nullCount << 6) | (c.rwMode << 4) | (c.mode << 1) | c.bcd;
          c.statusLatched = 1;
        }
      }
      return;
    }
    const c = this.ch[sel]!;
    const access = (v >> 4) & 3;
    if (access === Rw.Latch) {
      this.latchCount(c); // Counter Latch Command
      return;
    }
    // A control word sets the mode, the byte order and BCD, and leaves the counter waiting for a new count
    // (8254 "Write Operations"; OUT goes low in mode 0, high in the others).
    c.rwMode = access;
    c.readState = access;
    c.writeState = access;
    // Modes 6 and 7 are modes 2 and 3 (bit 3 is "don't care" for them).
    const mode = (v >> 1) & 7;
    c.mode = mode > 5 ? mode & 3 : mode;
    c.bcd = v & 1;
    c.nullCount = 1;
    c.loaded = 0;
    c.pausedTicks = -1;
    if (sel === 0) this.update0();
  }

  /** The first latch command holds the count until it is read; later ones are ignored until then. */
  private latchCount(c: PitChannelState): void {
    if (c.countLatched) return;
    const v = this.counter(c, this.elapsed(c));
    c.latchedCount = c.bcd ? toBcd(v) : v & 0xffff;
    c.countLatched = c.rwMode;
  }

  private load(i: number, value: number): void {
    const c = this.ch[i]!;
    const n = c.bcd ? fromBcd(value) : value;
    c.count = n === 0 ? (c.bcd ? 10000 : 0x10000) : n;
    c.countLoadTime = this.clock.now();
    c.nullCount = 0;
    c.loaded = 1;
    c.pausedTicks = -1;
    if (i === 0) this.update0();
  }

  private readCounter(i: number): number {
    const c = this.ch[i]!;
    if (c.statusLatched) {
      c.statusLatched = 0;
      return c.status;
    }
    if (c.countLatched) {
      const v = c.latchedCount;
      switch (c.countLatched) {
        case Rw.Msb:
          c.countLatched = 0;
          return v >> 8;
        case Rw.Word0:
          c.countLatched = Rw.Msb;
          return v & 0xff;
        default:
          c.countLatched = 0;
          return v & 0xff;
      }
    }
    const raw = this.counter(c, this.elapsed(c));
    const v = c.bcd ? toBcd(raw) : raw & 0xffff;
    switch (c.readState) {
      case Rw.Msb:
        return v >> 8;
      case Rw.Word0:
        c.readState = Rw.Word1;
        return v & 0xff;
      case Rw.Word1:
        c.readState = Rw.Word0;
        return v >> 8;
      default:
        return v & 0xff;
    }
  }

  private writeCounter(i: number, v: number): void {
    const c = this.ch[i]!;
    switch (c.writeState) {
      case Rw.Msb:
        this.load(i, v << 8);
        return;
      case Rw.Word0:
        c.writeLatch = v;
        c.writeState = Rw.Word1;
        return;
      case Rw.Word1:
        c.writeState = Rw.Word0;
        this.load(i, c.writeLatch | (v << 8));
        return;
      default:
        this.load(i, v);
    }
  }

  /** Channel 2's gate (port 0x61 bit 0). Low suspends counting in modes 0, 2, 3, 4; a rising edge restarts
   *  the count in modes 1, 2, 3, 5 and resumes it in 0 and 4 (8254 table "Gate Pin Operations Summary"). */
  private setGate2(gate: number): void {
    const c = this.ch[2]!;
    if (gate === c.gate) return;
    const now = this.clock.now();
    if (gate) {
      if (c.mode === 0 || c.mode === 4) {
        if (c.pausedTicks >= 0) c.countLoadTime = now - nsFor(c.pausedTicks);
      } else {
        c.countLoadTime = now;
      }
      c.pausedTicks = -1;
    } else if (c.loaded && c.mode !== 1 && c.mode !== 5) {
      c.pausedTicks = ticksIn(now - c.countLoadTime);
    }
    c.gate = gate;
  }

  read(port: number): number {
    if (port === PORT_B) {
      const refresh = Math.floor(this.clock.now() / REFRESH_PERIOD_NS) & 1;
      return (this.out(this.ch[2]!) ? 0x20 : 0) | (refresh << 4) | this.portB | this.ch[2]!.gate;
    }
    if (port === PIT_CONTROL_PORT) return 0xff; // the control word register cannot be read
    return this.readCounter(port - PIT_PORT);
  }

  write(port: number, value: number): void {
    value &= 0xff;
    if (port === PORT_B) {
      this.portB = value & 0x0e;
      this.setGate2(value & 1);
    } else if (port === PIT_CONTROL_PORT) {
      this.writeControl(value);
    } else {
      this.writeCounter(port - PIT_PORT, value);
    }
  }

  save(): PitState {
    return { channels: this.ch.map((c) => ({ ...c })), portB: this.portB, irq0: this.irq0Level };
  }

  restore(s: PitState): void {
    this.ch = s.channels.map((c) => ({ ...c }));
    this.portB = s.portB;
    this.irq0Level = s.irq0;
    this.armEdge();
  }
}
