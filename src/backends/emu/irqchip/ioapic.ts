// The I/O APIC (Intel 82093AA datasheet, order 290566): 24 pins, each with a 64-bit redirection entry, reached
// through IOREGSEL (base + 0x00) and IOWIN (base + 0x10). Version 0x11 with no EOI register, as the 82093AA and
// KVM's in-kernel IOAPIC; EOIs arrive as broadcasts from the local APICs. The state has the fields of KVM's
// struct kvm_ioapic_state.
import type { ApicMessage } from './apic-message.js';

export const IOAPIC_BASE = 0xfec00000;
export const IOAPIC_PINS = 24;
/** IOREGSEL and IOWIN offsets from the base (82093AA 3.1). */
export const IOREGSEL = 0x00;
export const IOWIN = 0x10;

/** Indirect register indices (82093AA 3.2). */
const Reg = { Id: 0x00, Ver: 0x01, Arb: 0x02, RedTbl: 0x10 } as const;
/** IOAPICVER: bits 23-16 maximum redirection entry (23), bits 7-0 version 0x11 (82093AA 3.2.2). */
const VERSION = ((IOAPIC_PINS - 1) << 16) | 0x11;
/** IOAPICID bits 27-24 (82093AA 3.2.1). */
const ID_SHIFT = 24;
const ID_MASK = 0x0f;

/** Redirection entry low dword bits (82093AA 3.2.4). */
const RTE_VECTOR = 0xff;
const RTE_DELIVERY_MODE_SHIFT = 8;
const RTE_DEST_LOGICAL = 1 << 11;
const RTE_REMOTE_IRR = 1 << 14;
const RTE_LEVEL = 1 << 15;
const RTE_MASKED = 1 << 16;
/** Software-writable low bits: vector, delivery mode, destination mode, polarity, trigger mode, mask
 *  (delivery status, bit 12, and remote IRR, bit 14, are read-only). */
const RTE_LOW_WRITABLE = 0x1afff;
/** High dword: the destination field, bits 63-56. */
const RTE_HIGH_WRITABLE = 0xff000000;

/** struct kvm_ioapic_state, camel-cased. */
export interface IoapicState {
  baseAddress: number;
  ioregsel: number;
  id: number;
  /** The asserted pins (for edge pins, the last level seen). */
  irr: number;
  redirtbl: bigint[];
}

export class Ioapic {
  private ioregsel = 0;
  private id = 0;
  private lines = 0;
  /** Each entry as two dwords; reset: every pin masked, the rest 0 (82093AA 3.2.4: "mask bit ... set after
   *  reset"). */
  private readonly lo = new Array<number>(IOAPIC_PINS).fill(RTE_MASKED);
  private readonly hi = new Array<number>(IOAPIC_PINS).fill(0);

  constructor(
    private readonly deliver: (msg: ApicMessage) => void,
    readonly baseAddress = IOAPIC_BASE,
  ) {}

  /** Drives pin `pin` to the asserted (`true`) or deasserted state; polarity is the board's wiring, so the
   *  level given here is already the logical one (as KVM's kvm_ioapic_set_irq takes it). */
  setIrq(pin: number, asserted: boolean): void {
    const bit = 1 << pin;
    const was = (this.lines & bit) !== 0;
    this.lines = asserted ? this.lines | bit : this.lines & ~bit;
    const lo = this.lo[pin]!;
    if (lo & RTE_LEVEL) {
      // Level: delivered while asserted, unmasked and no earlier message awaits its EOI (remote IRR).
      if (asserted) this.service(pin);
    } else if (asserted && !was) {
      // Edge: a rising edge on an unmasked pin is delivered; on a masked pin it is lost (82093AA 3.2.4 mask bit:
      // "edge-sensitive interrupts signaled on a masked interrupt pin are ignored").
      this.service(pin);
    }
  }

  private service(pin: number): void {
    const lo = this.lo[pin]!;
    if (lo & RTE_MASKED) return;
    if (lo & RTE_LEVEL) {
      if (lo & RTE_REMOTE_IRR) return;
      // Remote IRR: set when a level interrupt is accepted by a local APIC, reset by its EOI (82093AA 3.2.4).
      this.lo[pin] = lo | RTE_REMOTE_IRR;
    }
    this.deliver({
      vector: lo & RTE_VECTOR,
      deliveryMode: (lo >>> RTE_DELIVERY_MODE_SHIFT) & 7,
      logical: (lo & RTE_DEST_LOGICAL) !== 0,
      dest: this.hi[pin]! >>> 24,
      level: (lo & RTE_LEVEL) !== 0,
    });
  }

  /** A local APIC's EOI for a level-triggered `vector`: every level pin with that vector clears remote IRR and,
   *  if still asserted and unmasked, is delivered again. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.lo[pin]!;
      if ((lo & RTE_VECTOR) !== vector || (lo & RTE_REMOTE_IRR) === 0 || (lo & RTE_LEVEL) === 0) continue;
      this.lo[pin] = lo & ~RTE_REMOTE_IRR;
      if (this.lines & (1 << pin)) this.service(pin);
    }
  }

  /** 32-bit MMIO read at `offset` from the base. */
  read(offset: number): number {
    if (offset === IOREGSEL) return this.ioregsel;
    if (offset !== IOWIN) return 0;
    const r = this.ioregsel;
    if (r === Reg.Id) return (this.id & ID_MASK) << ID_SHIFT;
    if (r === Reg.Ver) return VERSION;
    // IOAPICARB: loaded with the IOAPIC ID (82093AA 3.2.3).
    if (r === Reg.Arb) return (this.id & ID_MASK) << ID_SHIFT;
    const pin = (r - Reg.RedTbl) >> 1;
    if (r < Reg.RedTbl || pin >= IOAPIC_PINS) return 0;
    return (r & 1 ? this.hi[pin]! : this.lo[pin]!) >>> 0;
  }

  /** 32-bit MMIO write at `offset` from the base. */
  write(offset: number, value: number): void {
    if (offset === IOREGSEL) {
      this.ioregsel = value & 0xff;
      return;
    }
    if (offset !== IOWIN) return;
    const r = this.ioregsel;
    if (r === Reg.Id) {
      this.id = (value >>> ID_SHIFT) & ID_MASK;
      return;
    }
    const pin = (r - Reg.RedTbl) >> 1;
    if (r < Reg.RedTbl || pin >= IOAPIC_PINS) return;
    if (r & 1) {
      this.hi[pin] = (value & RTE_HIGH_WRITABLE) >>> 0;
      return;
    }
    const old = this.lo[pin]!;
    let lo = (old & ~RTE_LOW_WRITABLE) | (value & RTE_LOW_WRITABLE);
    // As KVM does: an entry switched to edge forgets a pending remote IRR, which only level entries use.
    if ((lo & RTE_LEVEL) === 0) lo &= ~RTE_REMOTE_IRR;
    this.lo[pin] = lo;
    // A level pin still asserted when unmasked (or re-armed) is delivered then.
    if (lo & RTE_LEVEL && this.lines & (1 << pin)) this.service(pin);
  }

  save(): IoapicState {
    return {
      baseAddress: this.baseAddress,
      ioregsel: this.ioregsel,
      id: this.id,
      irr: this.lines,
      redirtbl: this.lo.map((lo, i) => (BigInt(this.hi[i]! >>> 0) << 32n) | BigInt(lo >>> 0)),
    };
  }

  restore(s: IoapicState): void {
    this.ioregsel = s.ioregsel;
    this.id = s.id;
    this.lines = s.irr;
    s.redirtbl.forEach((e, i) => {
      this.lo[i] = Number(e & 0xffffffffn);
      this.hi[i] = Number(e >> 32n);
    });
  }
}
