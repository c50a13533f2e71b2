// ACPI tables for the machine (ACPI 6.0 specification, chapter 5): RSDP v2 -> XSDT (and RSDT, for kernels that
// read only the 32-bit table) -> FADT (-> FACS, DSDT) and MADT, laid out at a given guest-physical range. The
// FADT describes a PM1a event/control block, so the legacy PIC and PIT stay in use (a hardware-reduced FADT
// makes Linux install its NULL legacy PIC and skip the PIT), and power-off is writing \_S5's SLP_TYP with
// SLP_EN to PM1a_CNT. Reset is the FADT reset register: 0xfe to the i8042 command port.
import {
  ACPI_PM1A_CNT_LEN,
  ACPI_PM1A_CNT_PORT,
  ACPI_PM1A_EVT_LEN,
  ACPI_PM1A_EVT_PORT,
  ACPI_S5_SLP_TYP,
} from '../devices/acpi-pm.js';
import { CMOS_CENTURY } from '../devices/cmos-rtc.js';

/** SCI: ISA IRQ 9, level-triggered active high through an interrupt source override (as QEMU's PC does). */
export const ACPI_SCI_IRQ = 9;
/** FADT reset register: the i8042 command port and its pulse-reset command. */
const RESET_PORT = 0x64;
const RESET_VALUE = 0xfe;

export interface AcpiConfig {
  /** Guest-physical address of the first byte; the RSDP goes there (16-byte aligned). */
  base: number;
  /** Bytes available from `base`. */
  size: number;
  /** APIC IDs of the vCPUs, in ACPI processor UID order (MADT Processor Local APIC entries; at most 255). */
  apicIds: readonly number[];
  ioapic: { id: number; address: number; gsiBase: number };
  /** Local APIC physical address (MADT header). */
  lapicAddress: number;
}

export interface AcpiImage {
  /** The bytes to copy to guest-physical `base`. */
  bytes: Uint8Array;
  rsdpAddress: number;
  /** Guest-physical address of each table, by signature (for tests and the debugger). */
  tables: Record<string, number>;
}

const OEM_ID = 'GSTDBG';
const OEM_TABLE_ID = 'GUESTDBG';
const CREATOR_ID = 'GDBG';
export const SDT_HEADER_BYTES = 36;
export const RSDP_BYTES = 36;
const FADT_BYTES = 276;
const FACS_BYTES = 64;

/** Byte-sum of `b` is 0 mod 256 after setting the checksum byte (ACPI 5.2.5.3, 5.2.6). */
export function checksum(b: Uint8Array): number {
  let s = 0;
  for (const x of b) s += x;
  return (256 - (s & 0xff)) & 0xff;
}

class Bytes {
  readonly b: Uint8Array;
  readonly v: DataView;
  constructor(n: number) {
    this.b = new Uint8Array(n);
    this.v = new DataView(this.b.buffer);
  }
  ascii(off: number, s: string, len = s.length): void {
    for (let i = 0; i < len; i++) this.b[off + i] = i < s.length ? s.charCodeAt(i) : 0x20;
  }
  u8(off: number, x: number): void {
    this.v.setUint8(off, x);
  }
  u16(off: number, x: number): void {
    this.v.setUint16(off, x, true);
  }
  u32(off: number, x: number): void {
    this.v.setUint32(off, x, true);
  }
  u64(off: number, x: number): void {
    this.v.setBigUint64(off, BigInt(x), true);
  }
  /** Generic Address Structure (ACPI 5.2.3.2): space 1 = system I/O. */
  gasIo(off: number, port: number, bytes: number): void {
    this.u8(off, 1);
    this.u8(off + 1, bytes * 8);
    this.u8(off + 2, 0);
    this.u8(off + 3, bytes);
    this.u64(off + 4, port);
  }
}

/** A system description table: the 36-byte header (ACPI 5.2.6) + body, with its checksum. */
function sdt(signature: string, revision: number, body: Uint8Array): Uint8Array {
  const t = new Bytes(SDT_HEADER_BYTES + body.length);
  t.ascii(0, signature);
  t.u32(4, t.b.length);
  t.u8(8, revision);
  t.ascii(10, OEM_ID, 6);
  t.ascii(16, OEM_TABLE_ID, 8);
  t.u32(24, 1);
  t.ascii(28, CREATOR_ID);
  t.u32(32, 1);
  t.b.set(body, SDT_HEADER_BYTES);
  t.b[9] = checksum(t.b);
  return t.b;
}

/** DSDT AML (ACPI 20.2): DefName(\_S5_, Package(4) { 5, 5, 0, 0 }) — SLP_TYPa, SLP_TYPb, reserved. */
function dsdtAml(): Uint8Array {
  const NameOp = 0x08;
  const RootChar = 0x5c;
  const PackageOp = 0x12;
  const BytePrefix = 0x0a;
  const ZeroOp = 0x00;
  const elements = [BytePrefix, ACPI_S5_SLP_TYP, BytePrefix, ACPI_S5_SLP_TYP, ZeroOp, ZeroOp];
  // PkgLength (one byte for < 64) counts itself, NumElements and the elements.
  const pkg = [PackageOp, 2 + elements.length, 4, ...elements];
  return Uint8Array.from([NameOp, RootChar, ...'_S5_'.split('').map((c) => c.charCodeAt(0)), ...pkg]);
}

/** MADT (ACPI 5.2.12): local APIC address, PCAT_COMPAT (a dual 8259 is present), then the entries. */
function madtBody(c: AcpiConfig): Uint8Array {
  const PCAT_COMPAT = 1;
  const entries: number[][] = [];
  c.apicIds.forEach((id, uid) => {
    // Processor Local APIC (type 0, 8 bytes): UID, APIC ID, flags bit 0 = enabled.
    entries.push([0, 8, uid, id, 1, 0, 0, 0]);
  });
  const io = c.ioapic;
  // I/O APIC (type 1, 12 bytes): ID, reserved, address, GSI base.
  entries.push([1, 12, io.id, 0, ...le32(io.address), ...le32(io.gsiBase)]);
  // Interrupt Source Override (type 2, 10 bytes): bus 0 (ISA), source, GSI, MPS INTI flags (polarity bits 1:0,
  // trigger bits 3:2; 0 = conforms to the bus: ISA is edge, active high). The PIT's IRQ0 is on IOAPIC pin 2.
  entries.push([2, 10, 0, 0, ...le32(io.gsiBase + 2), 0, 0]);
  // The SCI: level (11b), active high (01b) = 0x000d.
  entries.push([2, 10, 0, ACPI_SCI_IRQ, ...le32(io.gsiBase + ACPI_SCI_IRQ), 0x0d, 0]);
  // Local APIC NMI (type 4, 6 bytes): all processors (UID 0xff), flags 0, LINT1.
  entries.push([4, 6, 0xff, 0, 0, 1]);
  const flat = entries.flat();
  const b = new Bytes(8 + flat.length);
  b.u32(0, c.lapicAddress);
  b.u32(4, PCAT_COMPAT);
  b.b.set(flat, 8);
  return b.b;
}

function le32(x: number): number[] {
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
}

/** FADT (ACPI 5.2.9, revision 6): PM1a event and control blocks, no PM timer, no GPE blocks, SMI_CMD 0 (the
 *  machine is always in ACPI mode), FACS and DSDT by 32- and 64-bit pointers, the reset register, and the
 *  CMOS century index. */
function fadtBody(facs: number, dsdt: number): Uint8Array {
  const b = new Bytes(FADT_BYTES - SDT_HEADER_BYTES);
  const o = (off: number): number => off - SDT_HEADER_BYTES;
  b.u32(o(36), facs);
  b.u32(o(40), dsdt);
  b.u16(o(46), ACPI_SCI_IRQ);
  b.u32(o(56), ACPI_PM1A_EVT_PORT);
  b.u32(o(64), ACPI_PM1A_CNT_PORT);
  b.u8(o(88), ACPI_PM1A_EVT_LEN);
  b.u8(o(89), ACPI_PM1A_CNT_LEN);
  // C2/C3 latencies above 100/1000 us mean "not supported" (5.2.9 P_LVL2_LAT, P_LVL3_LAT).
  b.u16(o(96), 101);
  b.u16(o(98), 1001);
  b.u8(o(108), CMOS_CENTURY);
  // IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES (bit 0); VGA Not Present (bit 2); no 8042 keyboard controller.
  b.u16(o(109), 0x0005);
  // Flags (5.2.9 table 5-35): WBINVD (0), PROC_C1 (2), PWR_BUTTON (4) and SLP_BUTTON (5): no fixed-feature
  // buttons, RESET_REG_SUP (10).
  b.u32(o(112), (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 10));
  b.gasIo(o(116), RESET_PORT, 1);
  b.u8(o(128), RESET_VALUE);
  b.u64(o(132), facs);
  b.u64(o(140), dsdt);
  b.gasIo(o(148), ACPI_PM1A_EVT_PORT, ACPI_PM1A_EVT_LEN);
  b.gasIo(o(172), ACPI_PM1A_CNT_PORT, ACPI_PM1A_CNT_LEN);
  return b.b;
}

/** FACS (ACPI 5.2.10): 64 bytes, 64-byte aligned, no checksum; version 2. */
function facs(): Uint8Array {
  const b = new Bytes(FACS_BYTES);
  b.ascii(0, 'FACS');
  b.u32(4, FACS_BYTES);
  b.u8(32, 2);
  return b.b;
}

/** RSDP revision 2 (ACPI 5.2.5.3): checksum over the first 20 bytes, extended checksum over all 36. */
function rsdp(rsdt: number, xsdt: number): Uint8Array {
  const b = new Bytes(RSDP_BYTES);
  b.ascii(0, 'RSD PTR ');
  b.ascii(9, OEM_ID, 6);
  b.u8(15, 2);
  b.u32(16, rsdt);
  b.u32(20, RSDP_BYTES);
  b.u64(24, xsdt);
  b.b[8] = checksum(b.b.subarray(0, 20));
  b.b[32] = checksum(b.b);
  return b.b;
}

const align = (x: number, a: number): number => Math.ceil(x / a) * a;

export function buildAcpi(c: AcpiConfig): AcpiImage {
  if (c.base % 16 !== 0) throw new Error(`ACPI base 0x${c.base.toString(16)} is not 16-byte aligned; align it`);
  if (c.apicIds.length === 0 || c.apicIds.length > 255 || c.apicIds.some((id) => id > 254))
    throw new Error('ACPI MADT: 1-255 vCPUs with APIC IDs below 255 are supported; use fewer vCPUs');
  const parts: { sig: string; at: number }[] = [];
  let next = c.base;
  const place = (sig: string, size: number, alignment: number): number => {
    const at = align(next, alignment);
    next = at + size;
    parts.push({ sig, at });
    return at;
  };
  const rsdpAt = place('RSDP', RSDP_BYTES, 16);
  const facsAt = place('FACS', FACS_BYTES, 64);
  const dsdtBytes = sdt('DSDT', 2, dsdtAml());
  const dsdtAt = place('DSDT', dsdtBytes.length, 16);
  const fadtAt = place('FACP', FADT_BYTES, 16);
  const madtBytes = sdt('APIC', 4, madtBody(c));
  const madtAt = place('APIC', madtBytes.length, 16);
  const rsdtAt = place('RSDT', SDT_HEADER_BYTES + 8, 16);
  const xsdtAt = place('XSDT', SDT_HEADER_BYTES + 16, 16);
  if (next - c.base > c.size)
    throw new Error(`ACPI tables need ${next - c.base} bytes but the range has ${c.size}; give a larger range`);

  const rsdt = new Bytes(8);
  rsdt.u32(0, fadtAt);
  rsdt.u32(4, madtAt);
  const xsdt = new Bytes(16);
  xsdt.u64(0, fadtAt);
  xsdt.u64(8, madtAt);
  const content: Record<string, Uint8Array> = {
    RSDP: rsdp(rsdtAt, xsdtAt),
    FACS: facs(),
    DSDT: dsdtBytes,
    FACP: sdt('FACP', 6, fadtBody(facsAt, dsdtAt)),
    APIC: madtBytes,
    RSDT: sdt('RSDT', 1, rsdt.b),
    XSDT: sdt('XSDT', 1, xsdt.b),
  };
  const bytes = new Uint8Array(next - c.base);
  const tables: Record<string, number> = {};
  for (const p of parts) {
    bytes.set(content[p.sig]!, p.at - c.base);
    tables[p.sig] = p.at;
  }
  return { bytes, rsdpAddress: rsdpAt, tables };
}
