// ACPI tables: parsed back from the bytes by the layouts of the ACPI 6.0 specification (chapter 5) and, when
// iasl (Debian's acpica-tools) is installed, disassembled by ACPICA itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type AcpiImage, buildAcpi } from '../../../src/machine/boot/acpi.js';
import { ACPI_PM1A_CNT_PORT, ACPI_PM1A_EVT_PORT, ACPI_S5_SLP_TYP } from '../../../src/machine/devices/acpi-pm.js';

const BASE = 0xe0000;
const build = (apicIds = [0, 1, 2, 3]): AcpiImage =>
  buildAcpi({
    base: BASE,
    size: 0x1000,
    apicIds,
    ioapic: { id: 4, address: 0xfec00000, gsiBase: 0 },
    lapicAddress: 0xfee00000,
  });

const sum = (b: Uint8Array): number => b.reduce((a, x) => (a + x) & 0xff, 0);

class Reader {
  readonly v: DataView;
  constructor(readonly img: AcpiImage) {
    this.v = new DataView(img.bytes.buffer);
  }
  at(gpa: number, len: number): Uint8Array {
    return this.img.bytes.subarray(gpa - BASE, gpa - BASE + len);
  }
  u8 = (gpa: number): number => this.v.getUint8(gpa - BASE);
  u16 = (gpa: number): number => this.v.getUint16(gpa - BASE, true);
  u32 = (gpa: number): number => this.v.getUint32(gpa - BASE, true);
  u64 = (gpa: number): number => Number(this.v.getBigUint64(gpa - BASE, true));
  sig = (gpa: number, n = 4): string => String.fromCharCode(...this.at(gpa, n));
  /** A whole SDT by its header's length (5.2.6), checked to sum to zero. */
  table(gpa: number, signature: string): Uint8Array {
    assert.equal(this.sig(gpa), signature);
    const t = this.at(gpa, this.u32(gpa + 4));
    assert.equal(sum(t), 0, `${signature} checksum`);
    return t;
  }
}

describe('ACPI tables', () => {
  it('RSDP v2 (5.2.5.3): signature, revision 2, both checksums, 16-byte aligned; RSDT and XSDT list FADT and MADT', () => {
    const img = build();
    const r = new Reader(img);
    const p = img.rsdpAddress;
    assert.equal(p % 16, 0);
    assert.equal(r.sig(p, 8), 'RSD PTR ');
    assert.equal(r.u8(p + 15), 2);
    assert.equal(sum(r.at(p, 20)), 0);
    assert.equal(r.u32(p + 20), 36);
    assert.equal(sum(r.at(p, 36)), 0);
    const xsdt = r.u64(p + 24);
    const x = r.table(xsdt, 'XSDT');
    const xs = [0, 1].map((i) => r.u64(xsdt + 36 + 8 * i));
    assert.equal(x.length, 36 + 16);
    const rsdt = r.u32(p + 16);
    r.table(rsdt, 'RSDT');
    assert.deepEqual(
      [0, 1].map((i) => r.u32(rsdt + 36 + 4 * i)),
      xs,
    );
    assert.deepEqual(
      xs.map((a) => r.sig(a)),
      ['FACP', 'APIC'],
    );
  });

  it('FADT (5.2.9): DSDT and FACS pointers, SCI 9, PM1a blocks, reset register, century; no hardware-reduced flag', () => {
    const img = build();
    const r = new Reader(img);
    const f = img.tables.FACP!;
    assert.equal(r.table(f, 'FACP').length, 276);
    assert.equal(r.u8(f + 8), 6);
    assert.equal(r.u32(f + 40), img.tables.DSDT);
    assert.equal(r.u64(f + 140), img.tables.DSDT);
    assert.equal(r.u32(f + 36), img.tables.FACS);
    assert.equal(img.tables.FACS! % 64, 0);
    assert.equal(r.sig(img.tables.FACS!), 'FACS');
    assert.equal(r.u16(f + 46), 9);
    assert.equal(r.u32(f + 48), 0); // SMI_CMD 0: always in ACPI mode
    assert.equal(r.u32(f + 56), ACPI_PM1A_EVT_PORT);
    assert.equal(r.u32(f + 64), ACPI_PM1A_CNT_PORT);
    assert.deepEqual([r.u8(f + 88), r.u8(f + 89)], [4, 2]);
    assert.equal(r.u32(f + 112) & (1 << 20), 0);
    assert.equal(r.u32(f + 112) & (1 << 10), 1 << 10);
    assert.deepEqual([r.u8(f + 116), r.u64(f + 120), r.u8(f + 128)], [1, 0x64, 0xfe]);
    assert.equal(r.u8(f + 108), 0x32);
  });

  it('MADT (5.2.12): one enabled local APIC per vCPU, the IOAPIC, overrides IRQ0 -> GSI 2 and IRQ9 level, LINT1 NMI', () => {
    const img = build([0, 1, 5]);
    const r = new Reader(img);
    const m = img.tables.APIC!;
    const t = r.table(m, 'APIC');
    assert.equal(r.u32(m + 36), 0xfee00000);
    assert.equal(r.u32(m + 40), 1); // PCAT_COMPAT
    const entries: number[][] = [];
    for (let off = 44; off < t.length; off += t[off + 1]!) entries.push([...t.subarray(off, off + t[off + 1]!)]);
    assert.deepEqual(entries, [
      [0, 8, 0, 0, 1, 0, 0, 0],
      [0, 8, 1, 1, 1, 0, 0, 0],
      [0, 8, 2, 5, 1, 0, 0, 0],
      [1, 12, 4, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0],
      [2, 10, 0, 0, 2, 0, 0, 0, 0, 0],
      [2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0],
      [4, 6, 0xff, 0, 0, 1],
    ]);
  });

  it('DSDT (5.2.11.1): a definition block whose AML names \\_S5 = Package { 5, 5, 0, 0 } (20.2.5.4 DefPackage)', () => {
    const img = build();
    const r = new Reader(img);
    const d = r.table(img.tables.DSDT!, 'DSDT');
    assert.equal(d[8], 2);
    const aml = [...d.subarray(36)];
    const s5 = [0x08, 0x5c, ...[...'_S5_'].map((c) => c.charCodeAt(0))];
    assert.deepEqual(aml.slice(0, 6), s5);
    assert.deepEqual(aml.slice(6), [0x12, 0x08, 0x04, 0x0a, ACPI_S5_SLP_TYP, 0x0a, ACPI_S5_SLP_TYP, 0x00, 0x00]);
  });

  it('refuses a range too small, a misaligned base and too many vCPUs with a one-line fix', () => {
    assert.throws(
      () =>
        buildAcpi({
          base: BASE,
          size: 64,
          apicIds: [0],
          ioapic: { id: 1, address: 0xfec00000, gsiBase: 0 },
          lapicAddress: 0xfee00000,
        }),
      /need \d+ bytes but the range has 64; give a larger range/,
    );
    assert.throws(
      () =>
        buildAcpi({
          base: BASE + 4,
          size: 4096,
          apicIds: [0],
          ioapic: { id: 1, address: 0, gsiBase: 0 },
          lapicAddress: 0,
        }),
      /not 16-byte aligned/,
    );
    assert.throws(() => build([...Array(256).keys()]), /use fewer vCPUs/);
  });

  it('ACPICA (iasl -d) disassembles every table without a complaint (it flags "Incorrect checksum") and reads our fields back', (t) => {
    if (spawnSync('iasl', ['-v']).error) {
      t.skip('iasl not installed (Debian: apt-get install acpica-tools)');
      return;
    }
    const img = build();
    const dir = mkdtempSync(join(tmpdir(), 'guestdbg-acpi-'));
    try {
      const r = new Reader(img);
      const out: Record<string, string> = {};
      for (const sig of ['FACP', 'APIC', 'DSDT', 'XSDT', 'RSDT', 'FACS']) {
        const at = img.tables[sig]!;
        const file = join(dir, `${sig.toLowerCase()}.dat`);
        writeFileSync(file, r.at(at, r.u32(at + 4)));
        const res = spawnSync('iasl', ['-d', file], { encoding: 'utf8' });
        assert.equal(res.status, 0, `${sig}: ${res.stdout}${res.stderr}`);
        out[sig] = readFileSync(join(dir, `${sig.toLowerCase()}.dsl`), 'utf8');
        assert.doesNotMatch(out[sig]!, /Incorrect checksum|Invalid|Unknown|\*\*\*\*/i, sig);
      }
      assert.match(out.DSDT!, /Name \(\\_S5, Package \(0x04\)/);
      assert.match(out.APIC!, /Source : 00\n.*Interrupt : 00000002\n.*Flags \(decoded below\) : 0000/);
      assert.match(out.APIC!, /Source : 09\n.*Interrupt : 00000009\n.*Flags \(decoded below\) : 000D/);
      assert.match(out.APIC!, /Subtable Type : 04 \[Local APIC NMI\][\s\S]*Interrupt Input LINT : 01/);
      assert.match(out.FACP!, /Hardware Reduced \(V5\) : 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
