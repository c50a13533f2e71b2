// The ACPI PM1a event and control blocks the FADT advertises (src/machine/boot/acpi.ts; ACPI 6.0 4.8.3.1 PM1
// event grouping, 4.8.3.2 PM1 control grouping). The guest powers off by writing \_S5's SLP_TYP with SLP_EN to
// PM1a_CNT (ACPI 7.4.2 \_Sx, 16.1.6 "Transitioning from the Working to the Sleeping State"). The machine
// raises no fixed-feature events (no PM timer, no fixed buttons), so nothing here asserts the SCI.

import type { GuestEnd } from '../guest-end.js';
import type { IoSize, PortDevice } from './port-device.js';
import { floatingBus } from './port-device.js';

/** I/O ports of the PM1a blocks (the FADT built by src/machine/boot/acpi.ts points at them). */
export const ACPI_PM1A_EVT_PORT = 0x600;
export const ACPI_PM1A_EVT_LEN = 4;
export const ACPI_PM1A_CNT_PORT = 0x604;
export const ACPI_PM1A_CNT_LEN = 2;
/** The SLP_TYP value of \_S5 (soft off) in the DSDT, written to PM1a_CNT bits 12:10 with SLP_EN (bit 13). */
export const ACPI_S5_SLP_TYP = 5;

/** PM1_CNT bits: SCI_EN (0), SLP_TYPx (12:10), SLP_EN (13, write-only). */
const CNT_SCI_EN = 0x0001;
const CNT_SLP_TYP_SHIFT = 10;
const CNT_SLP_EN = 0x2000;
/** The writable PM1_CNT bits: SCI_EN is fixed at 1 (SMI_CMD is 0: always in ACPI mode), BM_RLD, GBL_RLS. */
const CNT_WRITABLE = 0x1c06;
/** PM1_STS WAK_STS (15): set when the system wakes from a sleeping state. */
const STS_WAK = 0x8000;

/** PM1_EN is all zeros: the machine has none of the events it enables, and unimplemented bits read 0. */
export interface AcpiPmState {
  status: number;
  control: number;
}

export class AcpiPm implements PortDevice {
  readonly name = 'ACPI PM1a';
  private status = 0;
  private control = CNT_SCI_EN;

  /** `powerOff` says how the run ends when the guest enters S5. */
  constructor(private readonly powerOff: () => GuestEnd) {}

  /** The 6 register bytes PM1_STS, PM1_EN (event block), then PM1_CNT, by offset from the event block. */
  private byteAt(off: number): number {
    const regs = [this.status, 0, this.control];
    const r = regs[off >> 1];
    return r === undefined ? 0xff : (r >> ((off & 1) * 8)) & 0xff;
  }

  read(port: number, size: IoSize): number {
    const base = this.offset(port);
    if (base === undefined) return floatingBus(size);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.byteAt(base + i) << (8 * i);
    return v >>> 0;
  }

  write(port: number, size: IoSize, value: number): GuestEnd | undefined {
    const base = this.offset(port);
    if (base === undefined) return undefined;
    for (let i = 0; i < size; i++) {
      const off = base + i;
      const byte = (value >>> (8 * i)) & 0xff;
      const shift = (off & 1) * 8;
      if (off < 2) {
        // PM1_STS: writing 1 clears a status bit, 0 leaves it (4.8.3.1).
        this.status &= ~(byte << shift);
      } else if (off >= 4 && off < 6) {
        const v = (this.control & ~(0xff << shift)) | (byte << shift);
        this.control = (v & CNT_WRITABLE) | CNT_SCI_EN;
        if (v & CNT_SLP_EN) {
          if (((v >> CNT_SLP_TYP_SHIFT) & 7) === ACPI_S5_SLP_TYP) return this.powerOff();
          // Any other sleeping state wakes at once: WAK_STS is set and the guest carries on.
          this.status |= STS_WAK;
        }
      }
    }
    return undefined;
  }

  /** Offset into PM1_STS, PM1_EN, PM1_CNT (0-5), or undefined for other ports. */
  private offset(port: number): number | undefined {
    if (port >= ACPI_PM1A_EVT_PORT && port < ACPI_PM1A_EVT_PORT + ACPI_PM1A_EVT_LEN) return port - ACPI_PM1A_EVT_PORT;
    if (port >= ACPI_PM1A_CNT_PORT && port < ACPI_PM1A_CNT_PORT + ACPI_PM1A_CNT_LEN)
      return ACPI_PM1A_EVT_LEN + port - ACPI_PM1A_CNT_PORT;
    return undefined;
  }

  save(): AcpiPmState {
    return { status: this.status, control: this.control };
  }

  restore(s: AcpiPmState): void {
    this.status = s.status;
    this.control = s.control;
  }
}
